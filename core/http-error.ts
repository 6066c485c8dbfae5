import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** An error whose message is safe and meant for the caller: `throw new HttpError(404, 'Member not found')`. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
  ) {
    super(message);
  }
}

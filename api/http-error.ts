import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * An error of the API whose message is safe and meant for the caller: `throw new HttpError(404, 'Member not
 * found')`. The error handler (api/errors.ts) answers it with its status and `{"detail": message}`. Only the API
 * throws it: `core/` throws a `DomainError` of the catalogue (core/errors.ts), which the handler maps the same way.
 */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
  ) {
    super(message);
  }
}

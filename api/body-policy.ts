import { bodyLimit } from 'hono/body-limit';

/**
 * One body policy for every route (issue 12, finding 13):
 * - size: no request body over 64 KB is read, whatever the route (the largest any route needs: a submission's
 *   5,000-character text and its fields, escaped); routes with smaller bodies keep their own tighter limits;
 * - depth: bodies nested deeper than `MAX_BODY_DEPTH` (core/case.ts) are answered 422;
 * - time: the local Node server gives up on a request not received within a few seconds (api/server.ts); in AWS
 *   API Gateway receives and buffers the request before the Lambda runs.
 */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;

export const bodyTooLarge = 'Request body too large';

/** Applied to the whole app, before any route: counts the bytes as they stream, never reads past the limit. */
export const limitRequestBodies = bodyLimit({
  maxSize: MAX_REQUEST_BODY_BYTES,
  onError: (c) => c.json({ detail: bodyTooLarge }, 413),
});

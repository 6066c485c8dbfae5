import type { MiddlewareHandler } from 'hono';
import { corsPolicy } from '../core/cors.js';

/**
 * CORS for the API served on Node (`npm start`), as API Gateway does it for the deployed API, from the same policy
 * (`core/cors.ts`): a preflight (OPTIONS with `Access-Control-Request-Method`) from an allowed origin is answered
 * 204 with the allowed methods and headers; other requests from it get `Access-Control-Allow-Origin` echoing the
 * origin. An origin not allowed gets no CORS header at all, so the browser keeps the answer from the page.
 */
export function corsMiddleware(allowedOrigins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(allowedOrigins);
  return async (c, next) => {
    const origin = c.req.header('origin');
    // Answers differ by origin: caches must keep them apart.
    c.header('Vary', 'Origin', { append: true });
    const isAllowed = origin !== undefined && allowed.has(origin);
    if (c.req.method === 'OPTIONS' && origin !== undefined && c.req.header('access-control-request-method')) {
      if (!isAllowed) return c.body(null, 204);
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Allow-Methods', corsPolicy.allowMethods.join(','));
      c.header('Access-Control-Allow-Headers', corsPolicy.allowHeaders.join(','));
      c.header('Access-Control-Max-Age', String(corsPolicy.maxAgeSeconds));
      return c.body(null, 204);
    }
    if (isAllowed) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Expose-Headers', corsPolicy.exposeHeaders.join(','));
    }
    await next();
  };
}

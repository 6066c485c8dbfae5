/**
 * CORS: which browser origins may call the API, and how. One policy for both places the API runs: the CDK stack
 * gives it to API Gateway (which answers preflights and adds the headers in AWS; `infra/stack.ts`), and `npm start`
 * gives it to the app's own middleware (`api/cors.ts`). The allowed origins are one setting: the context value
 * `siteOrigins` for a deploy, the variable `SITE_ORIGINS` for `npm start`, both a comma-separated list read by
 * `parseOrigins`.
 *
 * Credentials: the API authenticates with `Authorization: Bearer <token>`, which a cross-origin `fetch` may send
 * once the preflight allows the header; it sets and reads no cookies, so `Access-Control-Allow-Credentials` is not
 * sent and a request made with `credentials: 'include'` is refused by the browser.
 */
import { EXPOSED_RESPONSE_HEADERS } from './response-headers.js';

export const corsPolicy = {
  allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
  allowHeaders: ['authorization', 'content-type'],
  /** Response headers a page may read beyond the CORS-safelisted ones: paging headers, a 429's `Retry-After`. */
  exposeHeaders: EXPOSED_RESPONSE_HEADERS.map((header) => header.toLowerCase()),
  maxAgeSeconds: 3600,
} as const;

/** What lumina allowed besides its site, and what a site's development server uses. */
export const localDevelopmentOrigin = 'http://localhost:3000';

export class InvalidOriginError extends Error {
  override name = 'InvalidOriginError';
}

/** A comma-separated list of origins (`https://alumni.example.org,http://localhost:3000`); each must be an origin. */
export function parseOrigins(text: string, setting: string): string[] {
  const origins = text
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of origins) assertOrigin(origin, setting);
  return origins;
}

/** Throws unless `origin` is exactly an origin: scheme, host and port, no path, no trailing slash. */
export function assertOrigin(origin: string, setting: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(origin);
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed.origin !== origin || !/^https?:$/.test(parsed.protocol)) {
    throw new InvalidOriginError(
      `${setting}: "${origin}" is not an origin (like https://alumni.example.org)`,
    );
  }
}

/**
 * The origins `npm start` allows: `SITE_ORIGINS` when set, otherwise `http://localhost:3000` and the origin of the
 * site the emailed links point to (`SITE_URL`).
 */
export function localAllowedOrigins(siteOrigins: string | undefined, siteUrl: string): string[] {
  if (siteOrigins !== undefined && siteOrigins.trim() !== '')
    return parseOrigins(siteOrigins, 'SITE_ORIGINS');
  return [...new Set([localDevelopmentOrigin, new URL(siteUrl).origin])];
}

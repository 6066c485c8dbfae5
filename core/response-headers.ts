/**
 * Response headers that carry part of an answer, which a site's script must be able to read. A browser shows a
 * cross-origin script only the CORS-safelisted response headers (`Content-Type`, `Cache-Control`, ...) unless the
 * response names the others in `Access-Control-Expose-Headers`: CORS (local and deployed) must expose these.
 */
export const responseHeaders = {
  /** The cursor of the next page of a listing that answers a plain array (lumina's shape). */
  nextCursor: 'X-Next-Cursor',
  /** RFC 8288 `Link: <?limit=..&cursor=..>; rel="next"`, the same next page as a URL. */
  link: 'Link',
  /** Seconds until a daily limit resets (429). */
  retryAfter: 'Retry-After',
} as const;

/** Every header of `responseHeaders`: the value for `Access-Control-Expose-Headers`. */
export const EXPOSED_RESPONSE_HEADERS: readonly string[] = Object.values(responseHeaders);

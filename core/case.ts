/**
 * lumina's sites send request bodies in camelCase or snake_case (FastAPI accepted both); we validate camelCase.
 * Keys are converted recursively; values are left alone.
 */

/**
 * How deeply a request body may nest. No body of this API goes beyond four levels; a limit keeps a small hostile
 * body (`[[[[…` thousands deep) from exhausting the stack here or in whatever walks the value after us.
 */
export const MAX_BODY_DEPTH = 32;

/** A body nested deeper than `MAX_BODY_DEPTH`: the API answers 422 in lumina's validation shape. */
export class BodyTooDeepError extends Error {
  override name = 'BodyTooDeepError';
  constructor() {
    super(`The body must not nest deeper than ${MAX_BODY_DEPTH} levels`);
  }
}

/** Throws `BodyTooDeepError` past `MAX_BODY_DEPTH` (one argument: it is used as `z.preprocess`'s callback). */
export function camelizeKeys(value: unknown): unknown {
  return camelizeAt(value, 0);
}

function camelizeAt(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_BODY_DEPTH) throw new BodyTooDeepError();
  if (Array.isArray(value)) return value.map((item) => camelizeAt(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [
      toCamelCase(key),
      camelizeAt(item, depth + 1),
    ]),
  );
}

export function toCamelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/**
 * lumina's sites send request bodies in camelCase or snake_case (FastAPI accepted both); we validate camelCase.
 * Keys are converted recursively; values are left alone.
 */
export function camelizeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelizeKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [
        toCamelCase(key),
        camelizeKeys(item),
      ]),
    );
  }
  return value;
}

export function toCamelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

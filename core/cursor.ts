/**
 * Page cursors: a query's `LastEvaluatedKey`, opaque to clients (base64url JSON). A cursor is accepted back only if
 * it has exactly the key attributes of the index queried and names the partition asked for, so a client cannot
 * steer a query elsewhere with a forged key.
 */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursor';
  constructor() {
    super('Invalid cursor');
  }
}

export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The key in `cursor`, if it has exactly `attributes` (all strings) and `expected` values; else `InvalidCursor`. */
export function decodeCursor(
  cursor: string,
  attributes: readonly string[],
  expected: Record<string, string>,
): Record<string, string> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (
      key !== null &&
      typeof key === 'object' &&
      Object.keys(key).length === attributes.length &&
      attributes.every((name) => typeof key[name] === 'string') &&
      Object.entries(expected).every(([name, value]) => key[name] === value)
    ) {
      return key as Record<string, string>;
    }
  } catch {
    // Falls through: not ours.
  }
  throw new InvalidCursorError();
}

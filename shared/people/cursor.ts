/**
 * Pagination cursors: opaque to clients, but only a versioned wrapper around the last uuid
 * of the previous page. Anything that is not exactly what `encodeCursor` produces is refused,
 * so a truncated or hand-edited cursor is a clear 400 instead of a silently wrong page.
 */
const PREFIX = 'v1:';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What any cursor looks like (its parameter's schema checks it too), and how to get one. */
export const CURSOR_SHAPE = {
  pattern: '^[A-Za-z0-9_-]{1,64}$',
  rule: 'must come from a Link: rel="next" header',
} as const;
const SHAPE = new RegExp(CURSOR_SHAPE.pattern);

/** Encodes the uuid a page ended at. */
export function encodeCursor(afterUuid: string): string {
  return Buffer.from(PREFIX + afterUuid, 'utf8').toString('base64url');
}

/** Decodes a cursor to the uuid to continue after; undefined when it is not a valid cursor. */
export function decodeCursor(cursor: string): string | undefined {
  if (!SHAPE.test(cursor)) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(PREFIX)) return undefined;
  const uuid = text.slice(PREFIX.length);
  // Canonical form only: re-encoding must give back the very same cursor.
  return UUID.test(uuid) && encodeCursor(uuid) === cursor ? uuid : undefined;
}

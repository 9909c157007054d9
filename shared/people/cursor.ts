import { createHash } from 'node:crypto';

/**
 * Pagination cursors: opaque to clients, but only a versioned wrapper around the last uuid
 * of the previous page and a digest of the filters the page was listed with. Anything that is
 * not exactly what `encodeCursor` produces is refused, so a truncated or hand-edited cursor is
 * a clear 400 instead of a silently wrong page; so is a cursor sent with other filters than it
 * was issued for (it would continue another list, skipping or repeating people).
 *
 * Version 2: one byte 2, the uuid's 16 bytes, the first 8 bytes of the SHA-256 of the filters,
 * in base64url (34 characters). Version 1 (`v1:<uuid>` in base64url) came before filters: it is
 * still read, for a list without filters.
 */
const V1_PREFIX = 'v1:';
const V2 = 2;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DIGEST_BYTES = 8;

/** What any cursor looks like (its parameter's schema checks it too), and how to get one. */
export const CURSOR_SHAPE = {
  pattern: '^[A-Za-z0-9_-]{1,64}$',
  rule: 'must come from a Link: rel="next" header',
} as const;
const SHAPE = new RegExp(CURSOR_SHAPE.pattern);

/** The filters a list was asked for, as the cursor binds them (absent: not filtered on). */
export interface CursorFilter {
  passengerClass?: number;
  sex?: string;
  survived?: boolean;
  name?: string;
}

/** Encodes the uuid a page ended at, bound to the page's filters. */
export function encodeCursor(afterUuid: string, filter: CursorFilter = {}): string {
  const uuid = Buffer.from(afterUuid.replaceAll('-', ''), 'hex');
  return Buffer.concat([Buffer.of(V2), uuid, filterDigest(filter)]).toString('base64url');
}

/** What a cursor says: the uuid to continue after, or why it cannot be used with these filters. */
export type CursorReading = { after: string } | { refused: 'malformed' | 'other-filters' };

/** Reads a cursor for a list with these filters. */
export function readCursor(cursor: string, filter: CursorFilter = {}): CursorReading {
  if (!SHAPE.test(cursor)) return { refused: 'malformed' };
  const bytes = Buffer.from(cursor, 'base64url');
  if (bytes.length === 1 + 16 + DIGEST_BYTES && bytes[0] === V2) {
    const hex = bytes.subarray(1, 17).toString('hex');
    const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    // Canonical form only: re-encoding must give back the very same cursor.
    const issuedFor = bytes.subarray(17);
    if (
      Buffer.concat([Buffer.of(V2), bytes.subarray(1, 17), issuedFor]).toString('base64url') !==
      cursor
    )
      return { refused: 'malformed' };
    return issuedFor.equals(filterDigest(filter)) ? { after: uuid } : { refused: 'other-filters' };
  }
  const text = bytes.toString('utf8');
  if (!text.startsWith(V1_PREFIX)) return { refused: 'malformed' };
  const uuid = text.slice(V1_PREFIX.length);
  if (!UUID.test(uuid) || Buffer.from(text, 'utf8').toString('base64url') !== cursor)
    return { refused: 'malformed' };
  return isUnfiltered(filter) ? { after: uuid } : { refused: 'other-filters' };
}

/** A digest of the filters; `name` in lower case, as it matches regardless of case. */
function filterDigest(filter: CursorFilter): Buffer {
  const canonical = JSON.stringify([
    filter.passengerClass ?? null,
    filter.sex ?? null,
    filter.survived ?? null,
    filter.name?.toLowerCase() ?? null,
  ]);
  return createHash('sha256').update(canonical).digest().subarray(0, DIGEST_BYTES);
}

function isUnfiltered(filter: CursorFilter): boolean {
  return Object.values(filter).every((value) => value === undefined);
}

import { decodeCursor, encodeCursor } from '../../shared/people/cursor';

describe('pagination cursors', () => {
  const uuid = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

  it('round-trips the uuid a page ended at', () => {
    expect(decodeCursor(encodeCursor(uuid))).toBe(uuid);
  });

  it('is opaque and URL-safe', () => {
    expect(encodeCursor(uuid)).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(encodeCursor(uuid)).not.toContain(uuid);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc$%'],
    ['truncated', encodeCursor(uuid).slice(0, -3)],
    ['with padding', `${encodeCursor(uuid)}=`],
    ['without the version', Buffer.from(uuid).toString('base64url')],
    ['another version', Buffer.from(`v2:${uuid}`).toString('base64url')],
    ['a non-uuid payload', Buffer.from("v1:' OR 1=1 --").toString('base64url')],
    ['an upper-case uuid', Buffer.from(`v1:${uuid.toUpperCase()}`).toString('base64url')],
    ['overlong', 'A'.repeat(200)],
  ])('refuses a cursor that is %s', (_case, cursor) => {
    expect(decodeCursor(cursor)).toBeUndefined();
  });
});

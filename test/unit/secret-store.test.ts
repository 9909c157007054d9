import { SecretStore } from '../../shared/secrets';

const SECRET = 'projects/p/secrets/db-password';
const TTL_MS = 300_000;
const references = [
  {
    setting: 'DATABASE_PASSWORD',
    reference: 'sm://db-password',
    versionName: `${SECRET}/versions/latest`,
  },
];

/**
 * A store over a secret whose versions are `versions` (version 1 first; `latest` the last, as
 * Secret Manager resolves it). `reads` counts the accesses; `hold()` keeps them pending.
 */
function storeOver(versions: string[]) {
  const calls = { reads: 0 };
  const disabled = new Set<number>();
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  const access = async (name: string) => {
    calls.reads++;
    await gate;
    const asked = name.split('/').pop()!;
    const number = asked === 'latest' ? versions.length : Number(asked);
    if (disabled.has(number)) throw new Error(`version ${number} is disabled`);
    return { name: `${SECRET}/versions/${number}`, value: versions[number - 1]! };
  };
  const clock = { now: 0 };
  const store = new SecretStore(access, TTL_MS, () => clock.now);
  return {
    store,
    calls,
    clock,
    versions,
    disabled,
    hold: () => {
      gate = new Promise((done) => (release = done));
      return () => release();
    },
  };
}

describe('SecretStore.reread, for a value the database has just refused', () => {
  it('reads the secret again at once, within the TTL', async () => {
    const { store, calls, clock, versions } = storeOver(['old-password']);
    await store.load(references);
    versions.push('new-password');
    clock.now = 1000; // well within the 300 s TTL
    expect(await store.get('DATABASE_PASSWORD')).toBe('old-password');
    expect(await store.reread('DATABASE_PASSWORD')).toBe('new-password');
    expect(await store.get('DATABASE_PASSWORD')).toBe('new-password');
    expect(calls.reads).toBe(2);
  });

  it('shares one read among refusals that arrive together', async () => {
    const { store, calls, hold, versions } = storeOver(['old-password']);
    await store.load(references);
    versions.push('new-password');
    const release = hold();
    const rereads = [1, 2, 3, 4, 5].map(() => store.reread('DATABASE_PASSWORD'));
    release();
    expect(await Promise.all(rereads)).toEqual(Array(5).fill('new-password'));
    expect(calls.reads).toBe(2);
  });

  it('refuses a setting that did not come from Secret Manager', async () => {
    const { store } = storeOver(['old-password']);
    await expect(store.reread('DATABASE_URL')).rejects.toThrow(
      'DATABASE_URL is not a secret reference',
    );
  });
});

describe('SecretStore.previous, for a rotation half done', () => {
  it('reads the version before the one in use, and leaves the value in use alone', async () => {
    const { store } = storeOver(['first', 'second', 'third']);
    await store.load(references);
    expect(await store.previous('DATABASE_PASSWORD')).toBe('second');
    expect(await store.get('DATABASE_PASSWORD')).toBe('third');
  });

  it('follows the version last read, after a re-read', async () => {
    const { store, versions } = storeOver(['first', 'second']);
    await store.load(references);
    versions.push('third');
    await store.reread('DATABASE_PASSWORD');
    expect(await store.previous('DATABASE_PASSWORD')).toBe('second');
  });

  it('has none for version 1, for a disabled version, or for a pinned reference', async () => {
    const first = storeOver(['only']);
    await first.store.load(references);
    expect(await first.store.previous('DATABASE_PASSWORD')).toBeUndefined();

    const disabled = storeOver(['old', 'new']);
    disabled.disabled.add(1);
    await disabled.store.load(references);
    expect(await disabled.store.previous('DATABASE_PASSWORD')).toBeUndefined();

    const pinned = storeOver(['first', 'second']);
    await pinned.store.load([{ ...references[0]!, versionName: `${SECRET}/versions/2` }]);
    expect(await pinned.store.previous('DATABASE_PASSWORD')).toBeUndefined();
  });
});

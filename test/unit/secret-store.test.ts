import { SecretStore } from '../../shared/secrets';

const VERSION = 'projects/p/secrets/db-password/versions/latest';
const TTL_MS = 300_000;

/** A store over an accessor that answers with `values` in turn; `reads` counts its calls. */
function storeReading(values: string[]) {
  const calls = { reads: 0 };
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  const access = async () => {
    const value = values[Math.min(calls.reads, values.length - 1)]!;
    calls.reads++;
    await gate;
    return value;
  };
  const clock = { now: 0 };
  const store = new SecretStore(access, TTL_MS, () => clock.now);
  return {
    store,
    calls,
    clock,
    /** Holds every read until the returned function is called. */
    hold: () => {
      gate = new Promise((done) => (release = done));
      return () => release();
    },
  };
}

describe('SecretStore.reread, for a value the database has just refused', () => {
  const references = [
    { setting: 'DATABASE_PASSWORD', reference: 'sm://db-password', versionName: VERSION },
  ];

  it('reads the secret again at once, within the TTL', async () => {
    const { store, calls, clock } = storeReading(['old-password', 'new-password']);
    await store.load(references);
    clock.now = 1000; // well within the 300 s TTL
    expect(await store.get('DATABASE_PASSWORD')).toBe('old-password');
    expect(await store.reread('DATABASE_PASSWORD')).toBe('new-password');
    expect(await store.get('DATABASE_PASSWORD')).toBe('new-password');
    expect(calls.reads).toBe(2);
  });

  it('shares one read among refusals that arrive together', async () => {
    const { store, calls, hold } = storeReading(['old-password', 'new-password']);
    await store.load(references);
    const release = hold();
    const rereads = [1, 2, 3, 4, 5].map(() => store.reread('DATABASE_PASSWORD'));
    release();
    expect(await Promise.all(rereads)).toEqual(Array(5).fill('new-password'));
    expect(calls.reads).toBe(2);
  });

  it('refuses a setting that did not come from Secret Manager', async () => {
    const { store } = storeReading(['old-password']);
    await expect(store.reread('DATABASE_URL')).rejects.toThrow(
      'DATABASE_URL is not a secret reference',
    );
  });
});

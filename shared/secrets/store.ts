import { logger, registerSecret } from '../logging';
import type { SecretAccessor } from './client';

/** A secret could not be read the first time: the instance cannot start. Names no value. */
export class SecretLoadError extends Error {
  constructor(
    readonly setting: string,
    readonly reference: string,
    cause: unknown,
  ) {
    super(
      `Cannot start: setting ${setting} refers to secret ${reference}, which could not be read (${describeCause(cause)})`,
    );
    this.name = 'SecretLoadError';
  }
}

function describeCause(cause: unknown): string {
  const e = cause as { code?: number; details?: string; message?: string };
  // gRPC status codes: https://grpc.github.io/grpc/core/md_doc_statuscodes.html
  const names: Record<number, string> = {
    5: 'NOT_FOUND',
    7: 'PERMISSION_DENIED',
    14: 'UNAVAILABLE',
    4: 'DEADLINE_EXCEEDED',
    16: 'UNAUTHENTICATED',
  };
  if (typeof e?.code === 'number' && names[e.code])
    return `${names[e.code]}: ${e.details ?? e.message ?? ''}`.trim();
  return e?.message ?? String(cause);
}

interface Entry {
  setting: string;
  reference: string;
  versionName: string;
  value: string;
  /** The version the value came from, by number (`latest` resolved). */
  versionRead: string;
  fetchedAt: number;
  refreshing?: Promise<string>;
}

/**
 * Secret values of one instance, by setting name: all resolved in parallel at cold start,
 * then kept for `ttlMs`. After that, the next read refreshes the value (one refresh at a time);
 * a failed refresh keeps the last good value and logs a warning, so a rotated secret is picked
 * up without a redeploy and a Secret Manager outage does not take the instance down. A caller
 * that has seen a value refused reads it again at once (`reread`), without waiting for the TTL,
 * and may try the version before it (`previous`).
 * Every value read is registered for redaction from logs and error responses.
 */
export class SecretStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly access: SecretAccessor,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Resolves every setting's reference, all at once.
   * @throws SecretLoadError for the first setting that failed (naming it and its secret)
   */
  async load(
    references: { setting: string; reference: string; versionName: string }[],
  ): Promise<Record<string, string>> {
    const results = await Promise.allSettled(references.map((r) => this.access(r.versionName)));
    const values: Record<string, string> = {};
    results.forEach((result, i) => {
      const r = references[i]!;
      if (result.status === 'rejected')
        throw new SecretLoadError(r.setting, r.reference, result.reason);
      const { name, value } = result.value;
      registerSecret(value);
      this.entries.set(r.setting, { ...r, value, versionRead: name, fetchedAt: this.now() });
      values[r.setting] = value;
    });
    return values;
  }

  /** True when the setting's value came from Secret Manager. */
  has(setting: string): boolean {
    return this.entries.has(setting);
  }

  /** The current value of a secret-backed setting, refreshed when older than the TTL. */
  async get(setting: string): Promise<string> {
    const entry = this.entry(setting);
    if (this.now() - entry.fetchedAt < this.ttlMs) return entry.value;
    return this.refreshOnce(entry);
  }

  /**
   * Reads the setting's secret again now, whatever its age: for a caller that has just seen
   * the value refused (a database password rotated under a running instance). Joins a read
   * already in flight; the next TTL counts from this read.
   */
  async reread(setting: string): Promise<string> {
    return this.refreshOnce(this.entry(setting));
  }

  /**
   * The value of the version created before the one in use, for a setting that follows
   * `latest`: while a rotation is half done, the secret may already hold a new password the
   * database does not accept yet, and the one before it is still the database's. Undefined when
   * there is none, or it cannot be read (disabled or destroyed). The value in use is unchanged.
   */
  async previous(setting: string): Promise<string | undefined> {
    const entry = this.entry(setting);
    const numbered = /^(.*\/versions\/)([1-9][0-9]*)$/.exec(entry.versionRead);
    if (!entry.versionName.endsWith('/versions/latest') || !numbered || numbered[2] === '1')
      return undefined;
    try {
      const { value } = await this.access(`${numbered[1]}${Number(numbered[2]) - 1}`);
      registerSecret(value);
      return value;
    } catch (error) {
      logger.info(
        { setting: entry.setting, secret: entry.reference, reason: describeCause(error) },
        'the previous version of the secret cannot be read',
      );
      return undefined;
    }
  }

  private entry(setting: string): Entry {
    const entry = this.entries.get(setting);
    if (!entry) throw new Error(`${setting} is not a secret reference`);
    return entry;
  }

  /** One refresh at a time: a caller arriving while one is in flight gets its result. */
  private refreshOnce(entry: Entry): Promise<string> {
    entry.refreshing ??= this.refresh(entry).finally(() => {
      entry.refreshing = undefined;
    });
    return entry.refreshing;
  }

  private async refresh(entry: Entry): Promise<string> {
    try {
      const { name, value } = await this.access(entry.versionName);
      registerSecret(value);
      entry.versionRead = name;
      if (value !== entry.value)
        logger.info(
          { setting: entry.setting, secret: entry.reference },
          'secret rotated; new value in use',
        );
      entry.value = value;
    } catch (error) {
      logger.warn(
        { setting: entry.setting, secret: entry.reference, reason: describeCause(error) },
        'secret refresh failed; keeping the last good value',
      );
    }
    // Either way, wait a full TTL before asking again.
    entry.fetchedAt = this.now();
    return entry.value;
  }
}

import { createHash } from 'node:crypto';

/** One key allowed to write: a label for logs and audit, and the SHA-256 of the key (never the key). */
export interface ApiKey {
  label: string;
  digest: Buffer;
}

export const MIN_API_KEY_LENGTH = 16;

/**
 * Parses the API_KEYS setting: comma-separated `label=key` or bare `key` entries. A bare key's
 * label is the start of its SHA-256, which identifies it in logs without revealing it.
 * @returns the keys, or the problems (which never quote a key)
 */
export function parseApiKeys(value: string): { keys: ApiKey[] } | { problems: string[] } {
  const problems: string[] = [];
  const keys: ApiKey[] = [];
  value.split(',').forEach((raw, index) => {
    const entry = raw.trim();
    const at = entry.indexOf('=');
    const key = at >= 0 ? entry.slice(at + 1) : entry;
    const digest = createHash('sha256').update(key).digest();
    const label = at >= 0 ? entry.slice(0, at) : `sha256:${digest.toString('hex').slice(0, 8)}`;
    if (key.length < MIN_API_KEY_LENGTH)
      problems.push(`API_KEYS entry ${index + 1} is shorter than ${MIN_API_KEY_LENGTH} characters`);
    else if (at >= 0 && !/^[A-Za-z0-9_.-]{1,40}$/.test(label))
      problems.push(
        `API_KEYS entry ${index + 1} has a label that is not 1-40 letters, digits, dots, dashes or underscores`,
      );
    else if (keys.some((k) => k.label === label))
      problems.push(`API_KEYS entry ${index + 1} repeats the label "${label}"`);
    else keys.push({ label, digest });
  });
  return problems.length > 0 ? { problems } : { keys };
}

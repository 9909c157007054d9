/**
 * Secret values this instance knows (database password, API keys, ...). The secret loader
 * registers every value it resolves; the logger and the error responses pass their text
 * through `redact` so none of them can leave the process in clear.
 */
const secrets = new Set<string>();
let pattern: RegExp | undefined;

const MASK = '[REDACTED]';
// Very short values would mask ordinary words; nobody should use one as a secret anyway.
const MIN_SECRET_LENGTH = 6;

/** Adds a value to the set that is masked in every log line and error response. */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < MIN_SECRET_LENGTH || secrets.has(value)) return;
  secrets.add(value);
  // JSON-escaped forms too: a secret containing quotes or backslashes appears escaped in a log line.
  const forms = new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]);
  pattern = undefined;
  for (const form of forms) secrets.add(form);
}

/** Returns `text` with every registered secret value replaced by `[REDACTED]`. */
export function redact(text: string): string {
  if (secrets.size === 0) return text;
  pattern ??= new RegExp(
    [...secrets]
      .sort((a, b) => b.length - a.length)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|'),
    'g',
  );
  return text.replace(pattern, MASK);
}

/** Forgets every registered secret; see runtime/testing.ts. */
export function clearSecrets(): void {
  secrets.clear();
  pattern = undefined;
}

/**
 * Secret references in settings: `sm://NAME` (the project's secret NAME, latest version) or a
 * full `sm://projects/P/secrets/NAME/versions/V` (pinned to a version, or `latest`).
 */
export const SECRET_PREFIX = 'sm://';
const SHORT = /^[A-Za-z0-9_-]{1,255}$/;
const FULL = /^projects\/[^/]+\/secrets\/[A-Za-z0-9_-]{1,255}\/versions\/(latest|[1-9][0-9]*)$/;

/** True when a setting's value is a reference to resolve, not a plain value. */
export function isSecretReference(value: string | undefined): value is string {
  return typeof value === 'string' && value.startsWith(SECRET_PREFIX);
}

/**
 * The Secret Manager version name a reference points to.
 * @throws when the reference is malformed (the message shows the reference, which is no secret)
 */
export function secretVersionName(reference: string, projectId: string): string {
  const body = reference.slice(SECRET_PREFIX.length);
  if (FULL.test(body)) return body;
  if (SHORT.test(body)) return `projects/${projectId}/secrets/${body}/versions/latest`;
  throw new Error(
    `"${reference}" is not a secret reference: use sm://NAME or sm://projects/P/secrets/NAME/versions/V`,
  );
}

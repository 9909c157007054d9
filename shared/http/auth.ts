import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { parseApiKeys, type ApiKey } from '../config/api-keys';
import { config, currentSetting } from '../config';
import { HttpProblem } from './problem';
import { requestState } from './request-state';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const REALM = 'Bearer realm="manifest"';

let parsed: { raw: string; keys: ApiKey[] } | undefined;

/**
 * The keys allowed now (re-read after the secret TTL, so rotation needs no restart), parsed
 * once per value of the setting.
 */
export async function allowedKeys(): Promise<ApiKey[]> {
  const raw = (await currentSetting('API_KEYS')) ?? '';
  if (parsed?.raw !== raw) {
    const result = raw ? parseApiKeys(raw) : { keys: [] };
    // A rotated value that does not parse keeps no key at all: fail closed, never open.
    parsed = {
      raw,
      keys: 'keys' in result ? result.keys : [{ label: 'invalid', digest: Buffer.alloc(32) }],
    };
  }
  return parsed.keys;
}

/** Forgets the parsed keys; see runtime/testing.ts. */
export function forgetApiKeys(): void {
  parsed = undefined;
}

/**
 * The label of the key a bearer token matches, or undefined. Compares SHA-256 digests with
 * timingSafeEqual against every key, without stopping at a match, so the time taken says
 * nothing about the token or which key it matched.
 */
export function matchKey(token: string, keys: ApiKey[]): string | undefined {
  const digest = createHash('sha256').update(token).digest();
  let match: string | undefined;
  for (const key of keys) {
    if (timingSafeEqual(digest, key.digest) && match === undefined) match = key.label;
  }
  return match;
}

/**
 * Express middleware: writes (and reads, with READ_REQUIRES_AUTH) need
 * `Authorization: Bearer <key>` matching one of API_KEYS, else 401 with WWW-Authenticate.
 * Without API_KEYS (local development only: production refuses to start) everything is open.
 */
export function authenticate(req: Request, _res: Response, next: NextFunction): void {
  const needed = !SAFE_METHODS.has(req.method) || config().READ_REQUIRES_AUTH;
  if (!needed) return next();
  checkKey(req).then(() => next(), next);
}

/**
 * Sets the request's actor (request-state.ts) from a valid key; throws the 401 otherwise
 * (nothing to do when writes are open).
 */
async function checkKey(req: Request): Promise<void> {
  const keys = await allowedKeys();
  if (keys.length === 0) return;
  const header = req.get('authorization');
  const token = header && /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (!token) {
    throw new HttpProblem(401, 'This request needs an API key: send Authorization: Bearer <key>.', {
      headers: { 'WWW-Authenticate': REALM },
    });
  }
  const label = matchKey(token, keys);
  if (!label) {
    throw new HttpProblem(401, 'The API key is not valid.', {
      headers: { 'WWW-Authenticate': `${REALM}, error="invalid_token"` },
    });
  }
  requestState(req).actor = `api-key:${label}`;
}

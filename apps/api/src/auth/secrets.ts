/**
 * Secrets the API hands out (API keys, agent credentials) and how they are stored. Each is 32
 * bytes from the OS CSPRNG, so sha256 is enough to store them: a slow password hash protects
 * guessable secrets, and nothing here is guessable; a fast hash keeps the per-request check cheap.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_KEY_PREFIX } from '@farm/contracts';

export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function newSecret(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function newApiKey(): string {
  return newSecret(API_KEY_PREFIX);
}

/** What a list shows of a key: enough to tell keys apart, far too little to use one. */
export function displayPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + 6);
}

/** Constant-time comparison of two secrets through their hashes (equal lengths whatever the input). */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(sha256Hex(a), 'hex'), Buffer.from(sha256Hex(b), 'hex'));
}

/** The bearer token of an `Authorization: Bearer …` header, or an `X-Api-Key` header. */
export function presentedSecret(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (m) return m[1];
  }
  const x = headers['x-api-key'];
  return typeof x === 'string' && x.length > 0 ? x : undefined;
}

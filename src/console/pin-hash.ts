/**
 * The label PIN, stored only as a salted scrypt hash:
 *   scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>
 * scrypt runs on libuv's thread pool (async), so checking a PIN never stalls
 * the deposit flow. The parameters travel with the hash, so they can be raised
 * later without invalidating provisioned kiosks.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const KEY_LENGTH = 32;
/** N=2^15, r=8: ~32 MiB and tens of ms on a Pi 4 per guess; the lockout does the rest. */
const DEFAULT_PARAMS = { N: 32_768, r: 8, p: 1 };

interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

function scryptAsync(secret: string, salt: Buffer, keyLength: number, params: ScryptParams): Promise<Buffer> {
  // scrypt needs 128*N*r bytes; Node's default cap (32 MiB) is just too small for N=2^15, r=8.
  const maxmem = 2 * 128 * params.N * params.r;
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLength, { ...params, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPin(pin: string, params: ScryptParams = DEFAULT_PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(pin, salt, KEY_LENGTH, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** False for a wrong PIN and for a stored value that is not a hash this code wrote. */
export async function pinMatches(pin: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0)) return false;
  const salt = Buffer.from(parts[4] as string, 'base64');
  const expected = Buffer.from(parts[5] as string, 'base64');
  if (expected.length !== KEY_LENGTH) return false;
  const actual = await scryptAsync(pin, salt, KEY_LENGTH, { N, r, p });
  return timingSafeEqual(actual, expected);
}

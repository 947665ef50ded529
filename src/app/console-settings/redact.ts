/**
 * What the console may show of a config: everything except secrets. A
 * secret's presence is shown as "[set]"; it is never printed, logged or
 * audited. Paths to PEM files are not secret (the key inside is, and the
 * console never prints file contents).
 */
import { isObject } from './json-path.js';

export const SET = '[set]';

/** Config paths whose values are secrets. The config set command refuses them: `broker password` asks without echo. */
const SECRET_KEYS: ReadonlySet<string> = new Set(['password', 'secret', 'token', 'privateKey', 'passphrase']);

export function isSecretPath(path: string): boolean {
  return path.split('.').some((segment) => SECRET_KEYS.has(segment));
}

/** A deep copy with secrets replaced by "[set]" and credentials taken out of URLs. */
export function redactSecrets(value: unknown, key = ''): unknown {
  if (SECRET_KEYS.has(key) && value !== undefined && value !== null) return SET;
  if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/\s]*@/i.test(value)) return urlWithoutCredentials(value);
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, redactSecrets(inner, name)]));
  return value;
}

/** mqtt://user:secret@host:1883 -> mqtt://host:1883 */
export function urlWithoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/\s]*@/i, '$1');
}

export function hasUrlCredentials(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/\s]*@/i.test(url);
}

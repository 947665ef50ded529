/**
 * Pasted PEM for the broker's TLS: checked with node:crypto before anything is
 * stored, then kept as a file beside the config (mode 0600) whose name carries
 * a hash of its content. A new paste never overwrites the file the live config
 * uses, so an apply that is rolled back still finds the old one.
 */
import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PemKind, PemView } from '../../console/settings-facade.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import { removeFileDurably, writeFileAtomic } from './atomic-file.js';

const STORED_NAME = /^broker-(ca|cert|key)-[0-9a-f]{16}\.pem$/;

export interface CheckedPem {
  kind: PemKind;
  /** Normalised text: the one PEM block, LF line ends, trailing newline. */
  text: string;
  view: Omit<PemView, 'file'>;
  certificate?: X509Certificate;
  key?: KeyObject;
}

function invalid(message: string): KioskError {
  return new KioskError(ErrorCode.ConsolePemInvalid, message, {});
}

/** The single PEM block of the wanted type in `pasted`; stray text around it (a terminal's prompt) is dropped. */
function singleBlock(pasted: string, kind: PemKind): string {
  const text = pasted.replace(/\r\n?/g, '\n');
  const pattern = kind === 'key' ? /-----BEGIN ((?:[A-Z]+ )?PRIVATE KEY)-----\n[\s\S]*?\n-----END \1-----/ : /-----BEGIN CERTIFICATE-----\n[\s\S]*?\n-----END CERTIFICATE-----/;
  const match = pattern.exec(text);
  if (!match) throw invalid(kind === 'key' ? 'no "-----BEGIN PRIVATE KEY-----" block found' : 'no "-----BEGIN CERTIFICATE-----" block found');
  return `${match[0].split('\n').map((line) => line.trim()).join('\n')}\n`;
}

export function describeCertificate(certificate: X509Certificate): Omit<PemView, 'file'> {
  return {
    subject: oneLineName(certificate.subject),
    issuer: oneLineName(certificate.issuer),
    validFrom: new Date(certificate.validFrom).toISOString(),
    validTo: new Date(certificate.validTo).toISOString(),
    isCa: certificate.ca,
    fingerprint: `sha256:${certificate.fingerprint256.replace(/:/g, '').toLowerCase()}`,
  };
}

/** A key is shown only as its type and the SHA-256 of its public half (SPKI DER): enough to match it, nothing to leak. */
export function describeKey(key: KeyObject): Omit<PemView, 'file'> {
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return { keyType: key.asymmetricKeyType ?? 'unknown', fingerprint: `sha256:${createHash('sha256').update(spki).digest('hex')}` };
}

function oneLineName(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}

export function checkPem(kind: PemKind, pasted: string): CheckedPem {
  const text = singleBlock(pasted, kind);
  if (kind === 'key') {
    if (/ENCRYPTED/.test(text)) throw invalid('the key is encrypted; paste it without a passphrase (openssl pkey -in key.pem)');
    let key: KeyObject;
    try {
      key = createPrivateKey(text);
    } catch (error) {
      // node's message describes the format problem, not the key material.
      throw invalid(`not a usable private key: ${(error as Error).message}`);
    }
    return { kind, text, view: describeKey(key), key };
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(text);
  } catch (error) {
    throw invalid(`not a valid X.509 certificate: ${(error as Error).message}`);
  }
  return { kind, text, view: describeCertificate(certificate), certificate };
}

/** Stores checked PEM beside the config; returns the absolute path. Same content, same file. */
export function storePem(directory: string, pem: CheckedPem): string {
  const hash = createHash('sha256').update(pem.text).digest('hex').slice(0, 16);
  const file = join(directory, `broker-${pem.kind}-${hash}.pem`);
  writeFileAtomic(file, pem.text, 0o600);
  return file;
}

/** The PEM file a config names, described; null when none; a view with a problem note when it cannot be read. */
export function describePemFile(kind: PemKind, file: string | undefined): PemView | null {
  if (file === undefined) return null;
  try {
    const checked = checkPem(kind, readFileSync(file, 'utf8'));
    return { file, ...checked.view };
  } catch (error) {
    return { file, fingerprint: `unreadable: ${(error as Error).message.replace(/^\[E\d+\] /, '')}` };
  }
}

export function loadKey(file: string): KeyObject | undefined {
  try {
    return checkPem('key', readFileSync(file, 'utf8')).key;
  } catch {
    return undefined;
  }
}

export function loadCertificate(file: string): X509Certificate | undefined {
  try {
    return checkPem('cert', readFileSync(file, 'utf8')).certificate;
  } catch {
    return undefined;
  }
}

/** Deletes stored broker PEM files in `directory` that no config in `keep` refers to. Returns what it removed. */
export function prunePemFiles(directory: string, keep: ReadonlySet<string>): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(directory)) {
    const file = join(directory, name);
    if (STORED_NAME.test(name) && !keep.has(file)) {
      removeFileDurably(file);
      removed.push(file);
    }
  }
  return removed;
}

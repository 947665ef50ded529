/**
 * Checks a SignedDocument from the backend (src/protocol/signed.ts), in the
 * order that keeps a hostile message cheap: size before anything is read,
 * then JSON and shape, then the protected header (alg EdDSA, a kid this
 * kiosk knows for this use), and only then the Ed25519 signature (jose).
 *
 *   bytes ──size──► UTF-8 + JSON ──zod SignedDocument──► protected header ──kid/use──► flattenedVerify ──► payload JSON
 *
 * Shared by commands (use "commands"), the config shadow ("config") and model
 * packages ("models"): a key is only ever trusted for the uses device-config gives it.
 */
import { errors as joseErrors, flattenedVerify } from 'jose';
import { z } from 'zod';
import { SignedDocument } from '../../protocol/signed.js';
import type { FleetKeyring, FleetKeyUse } from './fleet-keyring.js';

export type SignedDocumentRejection = 'oversized' | 'malformed' | 'bad-signature' | 'unknown-key';

export type SignedDocumentVerdict =
  | { ok: true; kid: string; document: unknown }
  | {
      ok: false;
      rejection: SignedDocumentRejection;
      /** Why, in a few words; never the payload itself. */
      detail: string;
      /** The payload as JSON when it could be read, NOT verified: only to name the command id in the answer. */
      unverified: unknown;
    };

export interface VerifyOptions {
  keyring: FleetKeyring;
  use: FleetKeyUse;
  maxBytes: number;
  /** The uplink already found the message larger than its topic allows. */
  tooLarge?: boolean;
}

const ProtectedHeader = z.looseObject({ alg: z.string(), kid: z.string().min(1).max(64) });

const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function verifySignedDocument(bytes: Uint8Array, options: VerifyOptions): Promise<SignedDocumentVerdict> {
  const refuse = (rejection: SignedDocumentRejection, detail: string, unverified: unknown = undefined): SignedDocumentVerdict => ({ ok: false, rejection, detail, unverified });
  if (options.tooLarge === true || bytes.length > options.maxBytes) return refuse('oversized', `${bytes.length} bytes, more than ${options.maxBytes}`);
  const outer = parseJson(bytes);
  if (!outer.ok) return refuse('malformed', `not UTF-8 JSON: ${outer.reason}`);
  const shape = SignedDocument.safeParse(outer.value);
  if (!shape.success) return refuse('malformed', `not a flattened JWS: ${shape.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`).join('; ')}`);
  const jws = shape.data;
  const unverified = decodeSegment(jws.payload);
  const header = ProtectedHeader.safeParse(decodeSegment(jws.protected));
  if (!header.success) return refuse('malformed', 'the protected header is not base64url JSON with alg and kid', unverified);
  if (header.data.alg !== 'EdDSA') return refuse('bad-signature', `alg must be EdDSA, not ${header.data.alg.slice(0, 20)}`, unverified);
  const { kid } = header.data;
  const key = options.keyring.keyFor(kid, options.use);
  if (!key) return refuse('unknown-key', `no fleet key "${kid.slice(0, 64)}" for ${options.use}`, unverified);
  let payload: Uint8Array;
  try {
    ({ payload } = await flattenedVerify(jws, key, { algorithms: ['EdDSA'] }));
  } catch (error) {
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) return refuse('bad-signature', `signature does not verify with key "${kid}"`, unverified);
    const code = (error as { code?: string }).code ?? 'error';
    return refuse(error instanceof joseErrors.JWSInvalid ? 'malformed' : 'bad-signature', `the JWS was refused (${code})`, unverified);
  }
  const inner = parseJson(payload);
  if (!inner.ok) return refuse('malformed', `the signed payload is not UTF-8 JSON: ${inner.reason}`);
  return { ok: true, kid, document: inner.value };
}

function parseJson(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; reason: string } {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, reason: 'invalid UTF-8' };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    // V8's message quotes the input; the answer and the logs never carry payload bytes.
    return { ok: false, reason: 'invalid JSON' };
  }
}

/** A base64url segment's JSON, or undefined. */
function decodeSegment(segment: string): unknown {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) return undefined;
  const parsed = parseJson(Buffer.from(segment, 'base64url'));
  return parsed.ok ? parsed.value : undefined;
}

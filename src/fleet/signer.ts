/**
 * The backend's half of src/protocol/signed.ts: signs commands, desired
 * configs and model packages with an Ed25519 private key (jose), as a JWS in
 * flattened JSON serialization with {"alg":"EdDSA","kid":...}. The payload is
 * the exact UTF-8 JSON bytes the kiosk will verify and parse.
 *
 * The private key never leaves the caller's KeyObject: nothing here logs it.
 */
import { createPrivateKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { FlattenedSign } from 'jose';
import { COMMAND_SCHEMA, type KioskCommand, type KioskCommandType } from '../protocol/commands.js';
import { MODEL_PACKAGE_SCHEMA, type ModelPackage } from '../protocol/model-package.js';
import { SHADOW_DESIRED_SCHEMA, type ShadowDesired } from '../protocol/shadow.js';
import type { SignedDocument } from '../protocol/signed.js';

export interface FleetSigningKey {
  kid: string;
  privateKey: KeyObject;
}

/** A fleet key from a PKCS#8 PEM ("BEGIN PRIVATE KEY"), checked to be Ed25519. */
export function signingKeyFromPem(kid: string, pem: string): FleetSigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`the key for ${kid} is ${privateKey.asymmetricKeyType ?? 'unknown'}, not Ed25519`);
  return { kid, privateKey };
}

/** A new key pair: the private key as PKCS#8 PEM (keep it secret), the public key as SPKI PEM (for device-config fleet.keys). */
export function generateFleetKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Signs any JSON document (the caller picks the format; commands, desired configs and packages have helpers below). */
export async function signDocument(document: unknown, key: FleetSigningKey): Promise<SignedDocument> {
  const payload = new TextEncoder().encode(JSON.stringify(document));
  const jws = await new FlattenedSign(payload).setProtectedHeader({ alg: 'EdDSA', kid: key.kid }).sign(key.privateKey);
  return { protected: jws.protected ?? '', payload: jws.payload, signature: jws.signature };
}

export type CommandDraft<T extends KioskCommandType = KioskCommandType> = {
  type: T;
  deviceId: string;
  params?: Extract<KioskCommand, { type: T }>['params'];
  /** Default: a random UUID. */
  id?: string;
  /** Default: now. */
  issuedAt?: Date;
  /** How long the command is valid; default 5 minutes. */
  ttlMs?: number;
};

/** A kiosk.command/1 with id, issuedAt and expiresAt filled in. */
export function buildCommand<T extends KioskCommandType>(draft: CommandDraft<T>): KioskCommand {
  const issuedAt = draft.issuedAt ?? new Date();
  return {
    schema: COMMAND_SCHEMA,
    id: draft.id ?? randomUUID(),
    deviceId: draft.deviceId,
    issuedAt: issuedAt.toISOString(),
    expiresAt: new Date(issuedAt.getTime() + (draft.ttlMs ?? 5 * 60_000)).toISOString(),
    type: draft.type,
    params: draft.params ?? {},
  } as KioskCommand;
}

export function signCommand(command: KioskCommand, key: FleetSigningKey): Promise<SignedDocument> {
  return signDocument(command, key);
}

export function buildDesired(deviceId: string, version: number, patch: Record<string, unknown>, issuedAt = new Date()): ShadowDesired {
  return { schema: SHADOW_DESIRED_SCHEMA, deviceId, version, issuedAt: issuedAt.toISOString(), patch };
}

export function signDesired(desired: ShadowDesired, key: FleetSigningKey): Promise<SignedDocument> {
  return signDocument(desired, key);
}

export function signModelPackage(modelPackage: ModelPackage, key: FleetSigningKey): Promise<SignedDocument> {
  if (modelPackage.schema !== MODEL_PACKAGE_SCHEMA) throw new Error(`not a ${MODEL_PACKAGE_SCHEMA}`);
  return signDocument(modelPackage, key);
}

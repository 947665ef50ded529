import { createPublicKey, type KeyObject } from 'node:crypto';
import type { DeviceConfig } from '../../ops/config/schema.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';

/** What a fleet key may sign (device-config fleet.keys[].use). */
export type FleetKeyUse = DeviceConfig['fleet']['keys'][number]['use'][number];

/**
 * The fleet's Ed25519 public keys from device-config `fleet.keys`, by kid.
 * Built once at start-up: a key that is not an Ed25519 public key, or a kid
 * given twice, is a setup mistake and stops the start (exit 78) naming the entry.
 */
export class FleetKeyring {
  private readonly keys = new Map<string, { key: KeyObject; use: ReadonlySet<FleetKeyUse> }>();

  constructor(entries: DeviceConfig['fleet']['keys']) {
    entries.forEach((entry, index) => {
      const field = `fleet.keys.${index}`;
      if (this.keys.has(entry.id)) {
        throw new KioskError(ErrorCode.ConfigInvalid, `invalid device config: ${field}.id: kid "${entry.id}" is given twice`, { field });
      }
      let key: KeyObject;
      try {
        key = createPublicKey(entry.publicKey);
      } catch (error) {
        throw new KioskError(ErrorCode.ConfigInvalid, `invalid device config: ${field}.publicKey: not a readable public key (${(error as Error).message})`, { field }, { cause: error });
      }
      if (key.asymmetricKeyType !== 'ed25519') {
        throw new KioskError(ErrorCode.ConfigInvalid, `invalid device config: ${field}.publicKey: an Ed25519 key is needed, this is ${key.asymmetricKeyType ?? 'unknown'}`, { field });
      }
      this.keys.set(entry.id, { key, use: new Set(entry.use) });
    });
  }

  /** The key named `kid` when it may sign `use`; undefined when it is unknown or not allowed for that use. */
  keyFor(kid: string, use: FleetKeyUse): KeyObject | undefined {
    const entry = this.keys.get(kid);
    return entry?.use.has(use) ? entry.key : undefined;
  }

  get size(): number {
    return this.keys.size;
  }
}

import { readFileSync } from 'node:fs';
import type { DeviceConfig } from '../ops/config/schema.js';
import { ErrorCode, KioskError } from '../ops/errors.js';

/** The PEM contents of broker.caFile / certFile / keyFile, as mqtt.js and node:tls take them (`ca`, `cert`, `key`). */
export interface BrokerTlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

const FIELDS = [
  ['caFile', 'ca'],
  ['certFile', 'cert'],
  ['keyFile', 'key'],
] as const;

/**
 * Reads the broker's TLS files once. A file the config names but that cannot
 * be read is a setup error (E601, naming the field and path, never the
 * content): start-up stops, and a just-applied config is rolled back.
 */
export function readBrokerTlsFiles(broker: Pick<DeviceConfig['broker'], 'caFile' | 'certFile' | 'keyFile'>): BrokerTlsFiles {
  const files: BrokerTlsFiles = {};
  for (const [field, option] of FIELDS) {
    const path = broker[field];
    if (path === undefined) continue;
    try {
      files[option] = readFileSync(path);
    } catch (error) {
      throw new KioskError(ErrorCode.ConfigUnreadable, `cannot read broker.${field} ${path}: ${(error as Error).message}`, { field: `broker.${field}`, path }, { cause: error });
    }
  }
  return files;
}

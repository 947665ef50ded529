#!/usr/bin/env -S npx tsx
/**
 * Factory provisioning of a kiosk's console credentials, run once per kiosk
 * with the runtime stopped:
 *
 *   npx tsx scripts/provision-console.ts --db /var/lib/kiosk-runtime/kiosk.db \
 *       --device-id kiosk-0042 --pin-file label-pin.txt --fleet-key-file fleet-tech.key
 *
 * Writes the label PIN's scrypt hash and this kiosk's technician key
 * (HMAC-SHA256(fleetKey, device id)) into the settings table (migrating the
 * database first if needed). Neither the PIN nor the fleet key is stored.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { provisionTechnicianCredentials } from '../src/console/provision.js';
import { deriveDeviceKey } from '../src/console/tech-key.js';
import { createSystemClock } from '../src/ops/clock.js';
import { createSilentLogger } from '../src/ops/logger.js';
import { openDatabase } from '../src/store/database.js';
import { SqliteSettingsStore } from '../src/store/settings-store.js';

const program = new Command()
  .name('provision-console')
  .requiredOption('--db <file>', 'the kiosk database (store.path)')
  .requiredOption('--device-id <id>', 'device.id of this kiosk')
  .option('--pin-file <file>', 'file holding the label PIN (6-32 letters or digits)')
  .option('--fleet-key-file <file>', 'fleet technician key (hex, 32 bytes or more)')
  .parse();
const options = program.opts<{ db: string; deviceId: string; pinFile?: string; fleetKeyFile?: string }>();

try {
  if (!options.pinFile && !options.fleetKeyFile) throw new Error('nothing to provision: give --pin-file and/or --fleet-key-file');
  const pin = options.pinFile ? readFileSync(options.pinFile, 'utf8').trim() : undefined;
  const fleetKey = options.fleetKeyFile ? Buffer.from(readFileSync(options.fleetKeyFile, 'utf8').trim(), 'hex') : undefined;
  if (fleetKey && fleetKey.length < 32) throw new Error('the fleet key file must hold at least 64 hex characters');
  const db = openDatabase(options.db, createSilentLogger());
  try {
    await provisionTechnicianCredentials(new SqliteSettingsStore(db, createSystemClock()), {
      ...(pin !== undefined ? { pin } : {}),
      ...(fleetKey ? { deviceKey: deriveDeviceKey(fleetKey, options.deviceId) } : {}),
    });
  } finally {
    db.close();
  }
  process.stdout.write(`provisioned console credentials for ${options.deviceId} in ${options.db}\n`);
} catch (error) {
  process.stderr.write(`provision-console: ${(error as Error).message}\n`);
  process.exitCode = 1;
}

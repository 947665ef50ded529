/**
 * factory-reset: takes a kiosk back to how it left the factory, keeping
 * nothing secret a technician or operator put on it since:
 *
 * - broker user name, password, CA / client certificate / key (config fields and PEM files)
 * - the staged candidate, last-known-good and apply bookkeeping files (each may hold the password)
 * - the scale calibration and the empty-chamber reference image (settings rows and the file)
 * - console login state: the label PIN is re-armed (its factory hash stays, "retired" and the
 *   failed-login count go); with wipeTechnicianKeys also the PIN hash and the per-device key,
 *   which leaves the kiosk unprovisioned (E505) until the factory provisions it again
 * - the outbox, only through the seq the technician confirmed (events written after stay); the
 *   event store erases them and writes `outbox.erased`, so the backend's watermark can pass the hole
 *
 * Kept: device id, station id, every other config field, and the seq counter
 * (a seq is never reused). Rows are deleted with secure_delete and the WAL is
 * truncated, so erased values do not linger in free database pages.
 */
import { existsSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SETTING_DEVICE_KEY, SETTING_FAILED_LOGINS, SETTING_PIN_HASH, SETTING_PIN_RETIRED } from '../../console/auth.js';
import type { FactoryResetView } from '../../console/settings-facade.js';
import type { DeviceConfig } from '../../ops/config/schema.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import { SETTING_CHAMBER_REFERENCE_PATH } from '../console-devices/camera-console.js';
import { SETTING_SCALE_CALIBRATION } from '../scale-calibration.js';
import { removeFileDurably, writeFileAtomic } from './atomic-file.js';
import type { ConfigStaging } from './config-staging.js';
import { prunePemFiles } from './pem.js';

const BROKER_SECRETS = ['username', 'password', 'caFile', 'certFile', 'keyFile'] as const;

export interface FactoryResetInput {
  staging: ConfigStaging;
  config: DeviceConfig;
  /** What the outbox erasure (done through the event store, which tells the backend) removed, or null when the outbox is kept. */
  erasedOutbox: { erased: number } | null;
  wipeTechnicianKeys: boolean;
}

export function factoryReset(input: FactoryResetInput): FactoryResetView {
  const { staging, config } = input;
  const wiped: string[] = [];
  const kept: string[] = ['device.id', 'device.stationId', 'other config fields', 'outbox seq counter'];

  // Config: broker credentials out of the live file, then every file that may hold a copy.
  const live = staging.live();
  const broker = { ...(live.broker as Record<string, unknown> | undefined) };
  for (const field of BROKER_SECRETS) {
    if (field in broker) wiped.push(`broker.${field}`);
    delete broker[field];
  }
  writeFileAtomic(staging.files.live, `${JSON.stringify({ ...live, broker }, null, 2)}\n`);
  for (const file of [staging.files.candidate, staging.files.lastGood, staging.files.pending, staging.files.outcome]) {
    if (existsSync(file)) wiped.push(file);
    removeFileDurably(file);
  }
  wiped.push(...prunePemFiles(dirname(staging.files.live), new Set()));

  // Database: a connection of our own, with secure_delete, beside the kiosk's (WAL allows both).
  const db = new BetterSqlite3(resolve(config.store.path));
  const erasedEvents = input.erasedOutbox?.erased ?? 0;
  try {
    db.pragma('secure_delete = ON');
    db.pragma('busy_timeout = 5000');
    const get = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
    const referencePath = get.get(SETTING_CHAMBER_REFERENCE_PATH)?.value;
    const keys = [SETTING_PIN_RETIRED, SETTING_FAILED_LOGINS, SETTING_SCALE_CALIBRATION, SETTING_CHAMBER_REFERENCE_PATH];
    if (input.wipeTechnicianKeys) keys.push(SETTING_PIN_HASH, SETTING_DEVICE_KEY);
    else kept.push('label PIN hash (re-armed)', 'technician device key');
    db.transaction(() => {
      const remove = db.prepare('DELETE FROM settings WHERE key = ?');
      for (const key of keys) if (remove.run(key).changes > 0) wiped.push(`settings ${key}`);
    })();
    if (input.erasedOutbox === null) kept.push('outbox');
    else wiped.push(`outbox (${erasedEvents} events)`);
    db.pragma('wal_checkpoint(TRUNCATE)');
    if (referencePath !== undefined && existsSync(referencePath)) {
      rmSync(referencePath, { force: true });
      wiped.push(referencePath);
    }
  } catch (error) {
    throw new KioskError(ErrorCode.ConsoleConfigFileFailed, `factory reset of the database failed: ${(error as Error).message}`, {}, { cause: error });
  } finally {
    db.close();
  }
  return { wiped, kept, erasedEvents };
}

import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SETTING_DEVICE_KEY, SETTING_FAILED_LOGINS, SETTING_PIN_HASH, SETTING_PIN_RETIRED } from '../../src/console/auth.js';
import { pinMatches } from '../../src/console/pin-hash.js';
import { deriveDeviceKey } from '../../src/console/tech-key.js';
import { createSystemClock } from '../../src/ops/clock.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { openDatabase } from '../../src/store/database.js';
import { SqliteSettingsStore } from '../../src/store/settings-store.js';
import { projectRoot } from '../support/paths.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

const run = promisify(execFile);
const FLEET_KEY_HEX = '6b696f736b2d666c6565742d746563682d6b65792d666f722d74657374732121';
const PIN = '482913';

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** scripts/provision-console.ts as the factory runs it (`npm run provision-console -- ...` is `tsx` on this file). */
async function provision(args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts', 'provision-console.ts'), ...args], {
      cwd: projectRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    // execFile rejects with the exit code and both outputs on a non-zero exit.
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  }
}

/** Reads the settings table the kiosk will read (the database is closed again at once). */
function settingsOf(db: string): Map<string, string | undefined> {
  const database = openDatabase(db, createSilentLogger());
  try {
    const settings = new SqliteSettingsStore(database, createSystemClock());
    return new Map([SETTING_PIN_HASH, SETTING_DEVICE_KEY, SETTING_PIN_RETIRED, SETTING_FAILED_LOGINS].map((key) => [key, settings.get(key)]));
  } finally {
    database.close();
  }
}

describe('scripts/provision-console.ts (factory provisioning, as a process)', () => {
  let dir: TempDir;
  let db: string;

  beforeEach(() => {
    dir = makeTempDir('kiosk-provision-');
    // A fresh kiosk image: the data directory does not exist yet.
    db = dir.file('var/lib/kiosk-runtime/kiosk.db');
    writeFileSync(dir.file('label-pin.txt'), `${PIN}\n`);
    writeFileSync(dir.file('fleet-tech.key'), `${FLEET_KEY_HEX}\n`);
  });
  afterEach(() => {
    dir.remove();
  });

  it('writes the label PIN hash and the per-device key into a new database, and neither secret itself', async () => {
    const outcome = await provision(['--db', db, '--device-id', 'kiosk-0042', '--pin-file', dir.file('label-pin.txt'), '--fleet-key-file', dir.file('fleet-tech.key')]);
    expect(outcome).toEqual({ code: 0, stdout: `provisioned console credentials for kiosk-0042 in ${db}\n`, stderr: '' });

    const settings = settingsOf(db);
    const hash = settings.get(SETTING_PIN_HASH);
    expect(hash).toMatch(/^scrypt\$/);
    expect(await pinMatches(PIN, hash ?? '')).toBe(true);
    expect(await pinMatches('000000', hash ?? '')).toBe(false);
    // The key of this device only, derived from the fleet key and the device id; the fleet key stays at the factory.
    expect(settings.get(SETTING_DEVICE_KEY)).toBe(deriveDeviceKey(Buffer.from(FLEET_KEY_HEX, 'hex'), 'kiosk-0042').toString('hex'));
    expect(settings.get(SETTING_DEVICE_KEY)).not.toBe(deriveDeviceKey(Buffer.from(FLEET_KEY_HEX, 'hex'), 'kiosk-0043').toString('hex'));
    expect(settings.get(SETTING_PIN_RETIRED)).toBeUndefined();
    for (const file of [db, `${db}-wal`].filter((path) => existsSync(path))) {
      const bytes = readFileSync(file);
      expect(bytes.includes(PIN), `${file} holds the PIN`).toBe(false);
      expect(bytes.includes(FLEET_KEY_HEX), `${file} holds the fleet key`).toBe(false);
      expect(bytes.includes(Buffer.from(FLEET_KEY_HEX, 'hex')), `${file} holds the fleet key bytes`).toBe(false);
    }
  });

  it('provisioned again (a repaired kiosk), re-arms a retired label PIN and clears the failed-login count, keeping the rest', async () => {
    expect((await provision(['--db', db, '--device-id', 'kiosk-0042', '--fleet-key-file', dir.file('fleet-tech.key')])).code).toBe(0);
    const database = openDatabase(db, createSilentLogger());
    const store = new SqliteSettingsStore(database, createSystemClock());
    store.set(SETTING_PIN_RETIRED, new Date().toISOString());
    store.set(SETTING_FAILED_LOGINS, '4');
    database.close();
    const keyBefore = settingsOf(db).get(SETTING_DEVICE_KEY);

    expect((await provision(['--db', db, '--device-id', 'kiosk-0042', '--pin-file', dir.file('label-pin.txt')])).code).toBe(0);
    const settings = settingsOf(db);
    expect(settings.get(SETTING_PIN_RETIRED)).toBeUndefined();
    expect(settings.get(SETTING_FAILED_LOGINS)).toBeUndefined();
    expect(await pinMatches(PIN, settings.get(SETTING_PIN_HASH) ?? '')).toBe(true);
    expect(settings.get(SETTING_DEVICE_KEY)).toBe(keyBefore);
  });

  it('refuses, with exit code 1 and one line on stderr, what would leave a kiosk nobody can log in to', async () => {
    writeFileSync(dir.file('short.key'), 'abcdef0123\n');
    writeFileSync(dir.file('bad-pin.txt'), '12 34\n');
    const cases: Array<[string[], RegExp]> = [
      [[], /required option '--db <file>' not specified/],
      [['--db', db, '--device-id', 'kiosk-0042'], /^provision-console: nothing to provision: give --pin-file and\/or --fleet-key-file\n$/],
      [['--db', db, '--device-id', 'kiosk-0042', '--fleet-key-file', dir.file('short.key')], /^provision-console: the fleet key file must hold at least 64 hex characters\n$/],
      [['--db', db, '--device-id', 'kiosk-0042', '--pin-file', dir.file('bad-pin.txt')], /^provision-console: a label PIN is 6 to 32 letters or digits\n$/],
      [['--db', db, '--device-id', 'kiosk-0042', '--pin-file', dir.file('missing.txt')], /^provision-console: ENOENT: no such file or directory/],
    ];
    for (const [args, message] of cases) {
      const outcome = await provision(args);
      expect(outcome.code, args.join(' ')).toBe(1);
      expect(outcome.stdout).toBe('');
      expect(outcome.stderr).toMatch(message);
    }
    // Nothing half-written: the refused PIN left no hash behind.
    const settings = settingsOf(db);
    expect(settings.get(SETTING_PIN_HASH)).toBeUndefined();
    expect(settings.get(SETTING_DEVICE_KEY)).toBeUndefined();
  });
});

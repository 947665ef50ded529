import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { createSystemClock } from '../../src/ops/clock.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { KioskProcess } from '../support/kiosk-process.js';
import { defaultConfigDocument, writeTestKiosk } from '../support/kiosk-config.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

const EX_CONFIG = 78;

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe('an invalid device-config stops start-up before anything is written', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  async function run(configFile: string): Promise<{ code: number | null; stderr: string }> {
    const kiosk = new KioskProcess(configFile);
    const { code } = await kiosk.exited;
    return { code, stderr: kiosk.stderr };
  }

  it('names the file and the field, exits non-zero, and creates no store', async () => {
    const files = writeTestKiosk(dir, {
      brokerUrl: 'mqtt://127.0.0.1:1',
      scenario: { scenarioVersion: 1, items: [{ label: 'paper', weightGrams: 10 }] },
    });
    const config = JSON.parse(readFileSync(files.configFile, 'utf8')) as Record<string, any>; // any: a test edits arbitrary fields
    config.hardware.scale.readingIntervalMs = -5;
    writeFileSync(files.configFile, JSON.stringify(config));

    const { code, stderr } = await run(files.configFile);
    expect(code).toBe(EX_CONFIG);
    expect(stderr).toContain(files.configFile);
    expect(stderr).toContain('hardware.scale.readingIntervalMs');
    expect(existsSync(files.storeFile)).toBe(false);
  });

  // any: each case breaks a different nested field of a raw config document.
  type RawConfig = Record<string, any>;
  it.each([
    ['a route to an undeclared bin', (c: RawConfig) => (c.routes.glass = 'glass-bin'), 'routes.glass'],
    ['a broker URL of the wrong scheme', (c: RawConfig) => (c.broker.url = 'http://example.invalid'), 'broker.url'],
    ['an unknown key', (c: RawConfig) => (c.device.colour = 'green'), 'device'],
    ['a diverter that is an input line', (c: RawConfig) => (c.bins.carton.diverter = 'item-present'), 'bins.carton.diverter'],
    ['a missing device id', (c: RawConfig) => delete c.device.id, 'device.id'],
  ])('leaves an existing queue untouched on %s', async (_name, breakIt, field) => {
    const files = writeTestKiosk(dir, {
      brokerUrl: 'mqtt://127.0.0.1:1',
      scenario: { scenarioVersion: 1, items: [{ label: 'paper', weightGrams: 10 }] },
    });
    const store = new SqliteEventStore(openDatabase(files.storeFile, createSilentLogger()), 'kiosk-test-0001', createSystemClock());
    store.append({ type: 'kiosk.started', payload: { runtimeVersion: 'test', configVersion: 1 } });
    store.close();
    const before = sha256(files.storeFile);

    const config = { ...defaultConfigDocument(), ...(JSON.parse(readFileSync(files.configFile, 'utf8')) as object) } as RawConfig;
    breakIt(config);
    writeFileSync(files.configFile, JSON.stringify(config));

    const { code, stderr } = await run(files.configFile);
    expect(code).toBe(EX_CONFIG);
    expect(stderr).toContain(field);
    expect(sha256(files.storeFile)).toBe(before);
    expect(existsSync(`${files.storeFile}-wal`)).toBe(false);
  });

  it('reports a file that is not JSON, and one that does not exist', async () => {
    const broken = dir.file('broken.json');
    writeFileSync(broken, '{ "configVersion": 1, ');
    const notJson = await run(broken);
    expect(notJson.code).toBe(EX_CONFIG);
    expect(notJson.stderr).toMatch(/not valid JSON/);

    const missing = await run(dir.file('absent.json'));
    expect(missing.code).toBe(EX_CONFIG);
    expect(missing.stderr).toContain('absent.json');
  });
});

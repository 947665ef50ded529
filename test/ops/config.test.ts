import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDeviceConfig, parseDeviceConfig } from '../../src/ops/config/load.js';
import { ErrorCode, isKioskError } from '../../src/ops/errors.js';
import { defaultConfigDocument } from '../support/kiosk-config.js';
import { projectRoot } from '../support/paths.js';
import { loadPublishedSchemas } from '../support/schemas.js';

function problemsOf(document: unknown): string[] {
  try {
    parseDeviceConfig(document, 'test.json');
  } catch (error) {
    if (isKioskError(error, ErrorCode.ConfigInvalid)) return error.context.problems as string[];
    throw error;
  }
  return [];
}

describe('device-config', () => {
  it.each(['default.json', 'raspberry-pi.example.json'])('ships %s valid against the zod schema and the published JSON schema', (file) => {
    const path = join(projectRoot, 'device-config', file);
    const { config } = loadDeviceConfig(path);
    expect(config.configVersion).toBe(1);
    const validate = loadPublishedSchemas()('device-config.schema.json');
    expect(validate(JSON.parse(readFileSync(path, 'utf8'))), JSON.stringify(validate.errors)).toBe(true);
  });

  it('fills defaults in one place', () => {
    const { config } = loadDeviceConfig(join(projectRoot, 'device-config', 'default.json'));
    expect(config.sync).toEqual({
      retry: { initialMs: 1000, maxMs: 60_000 },
      batchMaxEvents: 200,
      batchMaxBytes: 131072,
      inFlightMax: 16,
      ackTimeoutMs: 60_000,
      unackedMaxEvents: 40_000,
      backlog: { eventsPerSecond: 2000, startJitterMs: 10_000 },
    });
    expect(config.store).toEqual({ path: './data/kiosk.db', budgetBytes: 512 * 1024 * 1024, reserveFreeBytes: 64 * 1024 * 1024 });
    expect(config.telemetry).toEqual({ intervalMs: 60_000, batchMaxSamples: 60 });
    expect(config.fleet.keys).toEqual([]);
    expect(config.deposit.minConfidence).toBe(0.6);
    expect(config.broker.keepaliveSeconds).toBe(30);
  });

  it('names every bad field by its dotted path', () => {
    const document = defaultConfigDocument() as Record<string, any>; // any: the test breaks arbitrary fields
    document.device.id = 'has spaces';
    document.sync = { inFlightMax: 0 };
    document.hardware.gpio.lines['item-present'].direction = 'sideways';
    const problems = problemsOf(document);
    expect(problems.some((p) => p.startsWith('device.id:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('sync.inFlightMax:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('hardware.gpio.lines.item-present.direction:'))).toBe(true);
  });

  it('checks that the lines the deposit flow uses exist with the right direction', () => {
    const document = defaultConfigDocument() as Record<string, any>; // any: see above
    delete document.hardware.gpio.lines['door-lock'];
    document.deposit = { itemSensor: 'lamp-reject' };
    const problems = problemsOf(document);
    expect(problems).toContain('deposit.doorLock: GPIO line "door-lock" is not declared under hardware.gpio.lines');
    expect(problems).toContain('deposit.itemSensor: GPIO line "lamp-reject" must be an input');
  });

  it('refuses a scenario unless every device is simulated, and the scenario classifier without the simulated camera', () => {
    const document = defaultConfigDocument() as Record<string, any>; // any: see above
    document.hardware.camera = { kind: 'mjpeg-process', command: ['rpicam-vid'] };
    document.classifier = { kind: 'scenario' };
    const problems = problemsOf(document);
    expect(problems).toContain('simulation: a scenario needs every device under hardware to be simulated');
    expect(problems.some((p) => p.startsWith('classifier.kind:'))).toBe(true);
  });

  it('refuses a bin named "reject"', () => {
    const document = defaultConfigDocument() as Record<string, any>; // any: see above
    document.bins.reject = { diverter: 'diverter-paper' };
    expect(problemsOf(document)).toContain('bins.reject: "reject" is the route of refused items and cannot name a bin');
  });

  it('refuses a config of another version', () => {
    const document = { ...defaultConfigDocument(), configVersion: 2 };
    expect(problemsOf(document).some((p) => p.startsWith('configVersion:'))).toBe(true);
  });

  it('never puts the broker password into an error message', () => {
    const document = defaultConfigDocument() as Record<string, any>; // any: see above
    document.broker = { url: 'not a url', password: 'hunter2-secret' };
    expect(problemsOf(document).join('\n')).not.toContain('hunter2-secret');
  });

  it('refuses user info in broker.url, pointing to broker.username and broker.password, without echoing the password', () => {
    const document = defaultConfigDocument() as Record<string, any>; // any: see above
    const advice = 'broker.url: no user name or password in the URL (they would reach the logs): use broker.username and broker.password';
    for (const url of ['mqtt://kiosk:hunter2-secret@broker.example:1883', 'mqtts://kiosk@broker.example', 'mqtt://:hunter2-secret@10.0.0.1/']) {
      document.broker = { url };
      const problems = problemsOf(document);
      expect(problems, url).toEqual([advice]);
      expect(problems.join('\n')).not.toContain('hunter2-secret');
    }
    // The published JSON schema refuses it too.
    const validate = loadPublishedSchemas()('device-config.schema.json');
    expect(validate({ ...defaultConfigDocument(), broker: { url: 'mqtt://kiosk:pw@broker.example' } })).toBe(false);
    // Credentials in their own fields, and an @ after the host, are fine.
    for (const url of ['mqtt://broker.example:1883', 'mqtts://[::1]:8883', 'mqtt://broker.example/a@b']) {
      document.broker = { url, username: 'kiosk', password: 'hunter2-secret' };
      expect(problemsOf(document), url).toEqual([]);
    }
  });
});

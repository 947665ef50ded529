import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceConfigInput } from '../../src/ops/config/schema.js';
import { projectRoot } from './paths.js';
import type { TempDir } from './temp-dir.js';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** The shipped default config, as a plain object to vary in a test. */
export function defaultConfigDocument(): DeviceConfigInput {
  return JSON.parse(readFileSync(join(projectRoot, 'device-config', 'default.json'), 'utf8')) as DeviceConfigInput;
}

export interface TestKioskFiles {
  configFile: string;
  storeFile: string;
  scenarioFile: string;
}

/**
 * Writes a config for a fast simulated kiosk into `dir`: the default config
 * with quick scale readings, short timeouts, a temp store and the given broker.
 */
export function writeTestKiosk(
  dir: TempDir,
  options: { brokerUrl: string; scenario: object; deviceId?: string; overrides?: DeepPartial<DeviceConfigInput> },
): TestKioskFiles {
  const files: TestKioskFiles = {
    configFile: dir.file('device-config.json'),
    storeFile: dir.file('data/kiosk.db'),
    scenarioFile: dir.file('scenario.json'),
  };
  const base = defaultConfigDocument();
  const config = {
    ...base,
    device: { id: options.deviceId ?? 'kiosk-test-0001', stationId: 'station-test' },
    log: { level: 'info' },
    store: { path: files.storeFile },
    broker: { url: options.brokerUrl, reconnect: { initialMs: 50, maxMs: 400 }, connectTimeoutMs: 2000 },
    hardware: { ...base.hardware, scale: { kind: 'simulated', readingIntervalMs: 5, noiseGrams: 0.1 } },
    simulation: { scenario: files.scenarioFile },
    // Tests decide what the camera "sees" by tag; the shipped model has its own integration test.
    classifier: { kind: 'scenario' },
    deposit: { stableTimeoutMs: 2000, diverterPulseMs: 1, removalReminderMs: 5000 },
    ...options.overrides,
  };
  writeFileSync(files.configFile, JSON.stringify(config, null, 2));
  writeFileSync(files.scenarioFile, JSON.stringify(options.scenario, null, 2));
  return files;
}

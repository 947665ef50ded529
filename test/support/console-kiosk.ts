import { Writable } from 'node:stream';
import { Kiosk } from '../../src/app/kiosk.js';
import { provisionTechnicianCredentials } from '../../src/console/provision.js';
import { deriveDeviceKey } from '../../src/console/tech-key.js';
import { createSystemClock } from '../../src/ops/clock.js';
import { loadDeviceConfig } from '../../src/ops/config/load.js';
import { LogRing } from '../../src/ops/log-ring.js';
import { createLogger } from '../../src/ops/logger.js';
import type { DeviceConfigInput } from '../../src/ops/config/schema.js';
import { KioskEvent } from '../../src/protocol/events.js';
import { writeTestKiosk, type TestKioskFiles } from './kiosk-config.js';
import type { PtyPair } from './pty-pair.js';
import type { TempDir } from './temp-dir.js';

export const FLEET_KEY = Buffer.from('6b696f736b2d666c6565742d746563682d6b65792d666f722d74657374732121', 'hex');
export const LABEL_PIN = '482913';
export const DEVICE_ID = 'kiosk-console-0001';

export interface ConsoleKiosk {
  kiosk: Kiosk;
  restarts: string[];
  events(): KioskEvent[];
  /** The files the kiosk was started from (the settings commands stage and apply config changes to configFile). */
  files: TestKioskFiles;
}

/**
 * A whole simulated kiosk in-process, offline (nothing listens on port 1),
 * with its console on the driver end of a real PTY and credentials provisioned
 * as at the factory. Logs go only to the ring that `logs tail` reads.
 */
export async function startConsoleKiosk(
  dir: TempDir,
  pty: PtyPair,
  options: {
    idleLogoutMs?: number;
    passes?: number | null;
    idleMs?: number;
    classifier?: DeviceConfigInput['classifier'];
    brokerUrl?: string;
    /** MQTT user and password of the kiosk at the broker. */
    brokerCredentials?: { username: string; password: string };
    sync?: DeviceConfigInput['sync'];
  } = {},
): Promise<ConsoleKiosk> {
  const files = writeTestKiosk(dir, {
    brokerUrl: options.brokerUrl ?? 'mqtt://127.0.0.1:1',
    deviceId: DEVICE_ID,
    scenario: { scenarioVersion: 1, passes: options.passes === undefined ? 1 : options.passes, idleMs: options.idleMs ?? 0, items: [{ label: 'paper', weightGrams: 20 }] },
    overrides: {
      ...(options.classifier === undefined ? {} : { classifier: options.classifier }),
      ...(options.sync === undefined ? {} : { sync: options.sync }),
      ...(options.brokerCredentials === undefined
        ? {}
        : { broker: { url: options.brokerUrl ?? 'mqtt://127.0.0.1:1', reconnect: { initialMs: 50, maxMs: 400 }, connectTimeoutMs: 2000, ...options.brokerCredentials } }),
      console: {
        port: { path: pty.driverPath, reconnect: { initialMs: 20, maxMs: 200 } },
        idleLogoutMs: options.idleLogoutMs ?? 60_000,
        // Small delays so lockout tests finish fast; tests wait on conditions, never on these numbers.
        lockout: { freeAttempts: 2, initialDelayMs: 150, maxDelayMs: 600 },
      },
    },
  });
  const { config, file } = loadDeviceConfig(files.configFile);
  const logRing = new LogRing(200);
  const quiet = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const restarts: string[] = [];
  const kiosk = new Kiosk({
    config,
    clock: createSystemClock(),
    logger: createLogger({ level: 'info', pretty: false }, quiet, logRing),
    logRing,
    configFile: file,
    onRestartRequested: (reason) => restarts.push(reason),
  });
  await provisionTechnicianCredentials(kiosk.settings, { pin: LABEL_PIN, deviceKey: deriveDeviceKey(FLEET_KEY, DEVICE_ID) });
  await kiosk.start();
  return {
    kiosk,
    restarts,
    files,
    events: () => kiosk.store.pending(0, 10_000, 1 << 24).map((row) => KioskEvent.parse(JSON.parse(row.body))),
  };
}

import { Writable } from 'node:stream';
import { Kiosk } from '../../src/app/kiosk.js';
import { generateFleetKeyPair, signingKeyFromPem, type FleetSigningKey } from '../../src/fleet/signer.js';
import type { SimulatedWorld } from '../../src/hardware/simulation/controls.js';
import { PLACEHOLDER_FRAME_JPEG } from '../../src/hardware/camera/placeholder-frame.js';
import { tagFrame } from '../../src/hardware/simulation/simulated-label.js';
import { createSystemClock } from '../../src/ops/clock.js';
import { loadDeviceConfig } from '../../src/ops/config/load.js';
import type { DeviceConfigInput } from '../../src/ops/config/schema.js';
import { LogRing } from '../../src/ops/log-ring.js';
import { createLogger } from '../../src/ops/logger.js';
import { writeTestKiosk, type TestKioskFiles } from './kiosk-config.js';
import type { TempDir } from './temp-dir.js';
import { waitFor } from './wait-for.js';

export const FLEET_DEVICE_ID = 'kiosk-fleet-0001';

/** The fleet's signing keys for a test, and the fleet.keys entries a kiosk trusts them by. */
export interface FleetKeys {
  commands: FleetSigningKey;
  config: FleetSigningKey;
  entries: NonNullable<NonNullable<DeviceConfigInput['fleet']>['keys']>;
}

export function makeFleetKeys(): FleetKeys {
  const commands = generateFleetKeyPair();
  const config = generateFleetKeyPair();
  return {
    commands: signingKeyFromPem('fleet-commands-1', commands.privateKeyPem),
    config: signingKeyFromPem('fleet-config-1', config.privateKeyPem),
    entries: [
      { id: 'fleet-commands-1', publicKey: commands.publicKeyPem, use: ['commands'] },
      { id: 'fleet-config-1', publicKey: config.publicKeyPem, use: ['config'] },
    ],
  };
}

/** Config for a fast simulated kiosk that trusts `keys`; one scenario item, played at once, so the world is the test's afterwards. */
export function writeFleetKiosk(dir: TempDir, options: { brokerUrl: string; keys: Pick<FleetKeys, 'entries'>; applyHealthTimeoutMs?: number; overrides?: Record<string, unknown> }): TestKioskFiles {
  return writeTestKiosk(dir, {
    brokerUrl: options.brokerUrl,
    deviceId: FLEET_DEVICE_ID,
    scenario: { scenarioVersion: 1, passes: 1, idleMs: 0, items: [{ label: 'paper', weightGrams: 20 }] },
    overrides: { fleet: { keys: options.keys.entries, applyHealthTimeoutMs: options.applyHealthTimeoutMs ?? 60_000 }, ...options.overrides },
  });
}

export interface FleetKiosk {
  kiosk: Kiosk;
  world: SimulatedWorld;
  files: TestKioskFiles;
  restarts: string[];
  /** Every GPIO output write, in order. */
  outputs: Array<{ line: string; value: boolean }>;
  stop(): Promise<void>;
}

/**
 * The whole simulated kiosk in-process against a real broker, started from
 * the files in `dir` (written by writeFleetKiosk), optionally without its
 * config file (as some embeddings run it). Waits until the scenario's one
 * item has been served, so the deposit flow is idle and the world is the test's.
 */
export async function startFleetKiosk(files: TestKioskFiles, options: { withConfigFile?: boolean } = {}): Promise<FleetKiosk> {
  const { config, file } = loadDeviceConfig(files.configFile);
  const logRing = new LogRing(500);
  const quiet = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const restarts: string[] = [];
  const kiosk = new Kiosk({
    config,
    clock: createSystemClock(),
    logger: createLogger({ level: 'info', pretty: false }, quiet, logRing),
    logRing,
    ...(options.withConfigFile === false ? {} : { configFile: file }),
    onRestartRequested: (reason) => restarts.push(reason),
  });
  const world = kiosk.devices.world;
  if (!world) throw new Error('the fleet test kiosk is expected to be fully simulated');
  const outputs: FleetKiosk['outputs'] = [];
  world.gpio.outputs.on('change', (change) => outputs.push(change));
  try {
    await kiosk.start();
    await waitFor(() => kiosk.devices.scenario?.itemsPlayed === 1 && kiosk.flow.state === 'idle', { description: 'the scenario item served and the flow idle', timeoutMs: 15_000 });
    await waitFor(() => kiosk.uplink.isConnected, { description: 'the kiosk connected to the broker', timeoutMs: 10_000 });
  } catch (error) {
    await kiosk.stop();
    throw error;
  }
  let stopped = false;
  return {
    kiosk,
    world,
    files,
    restarts,
    outputs,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await kiosk.stop();
    },
  };
}

/** A consumer puts an item in (tagged for the scenario classifier); resolves once its deposit waits for the item to leave. */
export async function depositAwaitingRemoval(running: FleetKiosk): Promise<void> {
  running.world.camera.show(tagFrame(PLACEHOLDER_FRAME_JPEG, { label: 'paper', confidence: 0.95 }));
  running.world.scale.setLoad(30);
  running.world.gpio.setInput('item-present', true);
  await waitFor(() => running.kiosk.flow.state === 'awaiting-removal', { description: 'a deposit awaiting removal', timeoutMs: 10_000 });
}

export async function removeItem(running: FleetKiosk): Promise<void> {
  running.world.scale.setLoad(0);
  running.world.gpio.setInput('item-present', false);
  running.world.camera.show(PLACEHOLDER_FRAME_JPEG);
  await waitFor(() => running.kiosk.flow.state === 'idle', { description: 'the deposit flow idle again', timeoutMs: 10_000 });
}

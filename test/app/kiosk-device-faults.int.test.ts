import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Kiosk } from '../../src/app/kiosk.js';
import type { MtSicsSimulator } from '../../src/hardware/scale/mt-sics-simulator.js';
import { createSystemClock } from '../../src/ops/clock.js';
import { loadDeviceConfig } from '../../src/ops/config/load.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { KioskEvent } from '../../src/protocol/events.js';
import { writeTestKiosk } from '../support/kiosk-config.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';

/** The whole simulated kiosk in-process: a scale that stops answering becomes events, and so does its return. */
describe('device faults reach the outbox', () => {
  let dir: TempDir;
  let kiosk: Kiosk | undefined;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(async () => {
    await kiosk?.stop();
    dir.remove();
  });

  function storedEvents(): KioskEvent[] {
    return kiosk!.store.pending(0, 1000, 1 << 24).map((row) => KioskEvent.parse(JSON.parse(row.body)));
  }

  it('records device.fault when the scale goes silent and device.recovered when it answers again', async () => {
    // Nothing listens on port 1: the kiosk runs offline, which is all this test needs.
    const files = writeTestKiosk(dir, {
      brokerUrl: 'mqtt://127.0.0.1:1',
      scenario: { scenarioVersion: 1, passes: 1, idleMs: 0, items: [{ label: 'paper', weightGrams: 10 }] },
    });
    const { config } = loadDeviceConfig(files.configFile);
    delete (config as { simulation?: unknown }).simulation; // no scenario: the test drives the world itself
    kiosk = new Kiosk({ config, clock: createSystemClock(), logger: createSilentLogger() });
    await kiosk.start();
    const scaleSimulator = kiosk.devices.world!.scale as MtSicsSimulator;

    scaleSimulator.setSilent(true);
    const fault = await waitFor(() => storedEvents().find((e) => e.type === 'device.fault'), { description: 'device.fault event' });
    expect(fault.payload).toMatchObject({ device: 'scale', code: 101 });
    expect(kiosk.faults.faulted()).toEqual(['scale']);

    scaleSimulator.setSilent(false);
    const recovered = await waitFor(() => storedEvents().find((e) => e.type === 'device.recovered'), { description: 'device.recovered event' });
    expect(recovered.payload).toMatchObject({ device: 'scale' });
    expect(recovered.seq).toBeGreaterThan(fault.seq);
    expect(kiosk.faults.faulted()).toEqual([]);
  });
});

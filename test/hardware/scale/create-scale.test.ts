import { afterEach, describe, expect, it } from 'vitest';
import { ContinuousAsciiScale } from '../../../src/hardware/scale/continuous-ascii-scale.js';
import { ContinuousAsciiSimulator } from '../../../src/hardware/scale/continuous-ascii-simulator.js';
import { createScale } from '../../../src/hardware/scale/create-scale.js';
import { MtSicsScale } from '../../../src/hardware/scale/mt-sics-scale.js';
import { MtSicsSimulator } from '../../../src/hardware/scale/mt-sics-simulator.js';
import { waitForStableWeight, type Scale } from '../../../src/hardware/scale/scale.js';
import { createSystemClock } from '../../../src/ops/clock.js';
import { ScaleConfig } from '../../../src/ops/config/scale-config.js';
import { ErrorCode } from '../../../src/ops/errors.js';
import { createSilentLogger } from '../../../src/ops/logger.js';

const dependencies = { clock: createSystemClock(), logger: createSilentLogger() };

describe('createScale', () => {
  let device: Scale | undefined;
  afterEach(async () => {
    await device?.stop();
    device = undefined;
  });

  it.each([
    ['mt-sics', MtSicsScale, MtSicsSimulator],
    ['continuous-ascii', ContinuousAsciiScale, ContinuousAsciiSimulator],
  ] as const)('wires the real %s driver to its simulator for the simulated kind; setLoad drives it', async (protocol, Driver, Simulator) => {
    const created = createScale(ScaleConfig.parse({ kind: 'simulated', readingIntervalMs: 5, protocol }), dependencies);
    device = created.device;
    expect(created.device).toBeInstanceOf(Driver);
    expect(created.simulator).toBeInstanceOf(Simulator);
    await device.start();
    expect(device.health().state).toBe('running');
    created.simulator!.setLoad(750);
    const reading = await waitForStableWeight(device, { timeoutMs: 10_000, accept: (r) => Math.abs(r.grams - 750) <= 1 });
    expect(reading.stable).toBe(true);
  });

  it('defaults the simulated kind to MT-SICS, as device-config/default.json runs it', () => {
    const created = createScale(ScaleConfig.parse({ kind: 'simulated', readingIntervalMs: 100 }), dependencies);
    expect(created.device).toBeInstanceOf(MtSicsScale);
  });

  it.each(['mt-sics', 'continuous-ascii'] as const)('builds the %s serial driver without a simulator; an absent port faults it, start does not throw', async (protocol) => {
    const created = createScale(ScaleConfig.parse({ kind: 'serial', path: '/nonexistent/kiosk-scale', protocol }), dependencies);
    device = created.device;
    expect(created.simulator).toBeUndefined();
    const faults: number[] = [];
    device.on('fault', (error) => faults.push(error.code));
    await device.start();
    expect(device.health().state).toBe('faulted');
    expect(faults).toEqual([ErrorCode.HardwareFault]);
    expect(device.identity()).toMatchObject({ protocol, port: '/nonexistent/kiosk-scale' });
  });

  it('keeps weighing when a reading listener throws', async () => {
    const created = createScale(ScaleConfig.parse({ kind: 'simulated', readingIntervalMs: 5 }), dependencies);
    device = created.device;
    device.on('reading', () => {
      throw new Error('a buggy listener');
    });
    await device.start();
    created.simulator!.setLoad(90);
    await waitForStableWeight(device, { timeoutMs: 10_000, accept: (r) => Math.abs(r.grams - 90) <= 1 });
    expect(device.health().state).toBe('running');
  });

  it('applies a persisted calibration factor from config', () => {
    const created = createScale(ScaleConfig.parse({ kind: 'serial', path: '/dev/null', calibrationFactor: 1.0125 }), dependencies);
    expect(created.device.calibrationFactor()).toBe(1.0125);
  });
});

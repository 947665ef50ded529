import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitForStableWeight, type Scale } from '../../../src/hardware/scale/scale.js';
import { ErrorCode } from '../../../src/ops/errors.js';
import { waitFor } from '../../support/wait-for.js';
import { near, ScaleRecorder } from './scale-rigs.js';

/** One scale to hold to the contract, not yet started. */
export interface ContractRig {
  scale: Scale;
  /** Puts a load on the platform: simulators only. */
  setLoad?: (grams: number) => void;
  dispose(): Promise<void>;
}

export interface ContractOptions {
  /** Whether tests that need a known load on the platform are registered (they are not for real hardware). */
  loadControl: boolean;
  /** How long to wait for a settled weight; real scales in a draughty room need longer. */
  stableTimeoutMs?: number;
}

/**
 * What every Scale must do, whatever is behind it: run against both drivers
 * with their simulators always, and against a real scale when
 * KIOSK_TEST_SCALE_PORT names one (see scale-contract.int.test.ts). Tests
 * that need to put a load on the platform exist only where that is possible.
 */
export function describeScaleContract(name: string, makeRig: () => Promise<ContractRig>, options: ContractOptions): void {
  const stableTimeoutMs = options.stableTimeoutMs ?? 10_000;

  describe(`Scale contract: ${name}`, () => {
    let rig: ContractRig;
    let recorder: ScaleRecorder;
    beforeEach(async () => {
      rig = await makeRig();
      recorder = new ScaleRecorder(rig.scale);
      await rig.scale.start();
    });
    afterEach(async () => {
      await rig.dispose();
    });

    it('runs after start and streams readings in grams, timed by the clock', async () => {
      expect(rig.scale.health()).toEqual({ state: 'running' });
      await waitFor(() => recorder.readings.length >= 3, { description: 'readings' });
      for (const reading of recorder.readings) {
        expect(Number.isFinite(reading.grams)).toBe(true);
        expect(typeof reading.stable).toBe('boolean');
      }
      const times = recorder.readings.map((r) => r.uptimeMs);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(rig.scale.latest()).toEqual(recorder.readings.at(-1));
      expect(recorder.faults).toEqual([]);
    });

    it('says what it is and counts what it read', async () => {
      await waitFor(() => recorder.readings.length >= 1, { description: 'a reading' });
      const identity = rig.scale.identity();
      expect(['mt-sics', 'continuous-ascii']).toContain(identity.protocol);
      expect(identity.port.length).toBeGreaterThan(0);
      const diagnostics = rig.scale.diagnostics();
      expect(diagnostics.frames).toBeGreaterThanOrEqual(1);
      expect(diagnostics.range).toBe('ok');
      expect(diagnostics.calibrationFactor).toBe(rig.scale.calibrationFactor());
    });

    it('zeroes and tares the (empty) platform on request, forgetting the stale reading', async () => {
      await waitForStableWeight(rig.scale, { timeoutMs: stableTimeoutMs });
      await rig.scale.zero();
      expect(rig.scale.latest()).toBeUndefined();
      await waitForStableWeight(rig.scale, { timeoutMs: stableTimeoutMs, accept: near(0, 2) });
      await rig.scale.tare({ immediate: true });
      await waitForStableWeight(rig.scale, { timeoutMs: stableTimeoutMs, accept: near(0, 2) });
      expect(rig.scale.health().state).toBe('running');
    });

    it('refuses an unusable calibration weight without touching the factor', async () => {
      const before = rig.scale.calibrationFactor();
      for (const known of [0, -100, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(rig.scale.calibrate(known)).rejects.toMatchObject({ code: ErrorCode.ScaleCalibrationRejected });
      }
      expect(() => rig.scale.setCalibrationFactor(10)).toThrow(expect.objectContaining({ code: ErrorCode.ScaleCalibrationRejected }));
      expect(rig.scale.calibrationFactor()).toBe(before);
    });

    it('stops cleanly and starts again', async () => {
      await waitFor(() => recorder.readings.length >= 1, { description: 'a reading' });
      await rig.scale.stop();
      expect(rig.scale.health()).toEqual({ state: 'stopped' });
      expect(rig.scale.latest()).toBeUndefined();
      await expect(rig.scale.tare()).rejects.toMatchObject({ code: ErrorCode.HardwareFault });
      const count = recorder.readings.length;
      await rig.scale.start();
      expect(rig.scale.health()).toEqual({ state: 'running' });
      await waitFor(() => recorder.readings.length > count, { description: 'readings after restart' });
      expect(recorder.faults).toEqual([]);
    });

    if (options.loadControl) {
      it('settles on the load put on it, and reports it unstable before', async () => {
        const since = recorder.mark();
        rig.setLoad!(1234.5);
        const reading = await waitForStableWeight(rig.scale, { timeoutMs: stableTimeoutMs, accept: near(1234.5, 1) });
        expect(reading.stable).toBe(true);
        expect(since().some((r) => !r.stable)).toBe(true);
      });

      it('weighs net of a tare', async () => {
        rig.setLoad!(300);
        await waitForStableWeight(rig.scale, { timeoutMs: stableTimeoutMs, accept: near(300, 1) });
        await rig.scale.tare();
        rig.setLoad!(1300);
        await waitForStableWeight(rig.scale, { timeoutMs: stableTimeoutMs, accept: near(1000, 1) });
      });

      it('calibrates to a known weight and returns the factor to persist', async () => {
        rig.setLoad!(1010);
        await waitForStableWeight(rig.scale, { timeoutMs: stableTimeoutMs, accept: near(1010, 1) });
        const factor = await rig.scale.calibrate(1000);
        expect(factor).toBeCloseTo(1000 / 1010, 3);
        await waitForStableWeight(rig.scale, { timeoutMs: stableTimeoutMs, accept: near(1000, 1) });
      });
    }
  });
}

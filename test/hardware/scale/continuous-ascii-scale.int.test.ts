import { afterEach, describe, expect, it } from 'vitest';
import type { ContinuousAsciiSimulator } from '../../../src/hardware/scale/continuous-ascii-simulator.js';
import { waitForStableWeight } from '../../../src/hardware/scale/scale.js';
import { ErrorCode } from '../../../src/ops/errors.js';
import { waitFor } from '../../support/wait-for.js';
import { captureLogs } from '../barcode/log-capture.js';
import { continuousOverPty, near, type PtyScaleRig } from './scale-rigs.js';

const STABLE_TIMEOUT = { timeoutMs: 10_000 };

describe('ContinuousAsciiScale against the continuous ASCII simulator over a real PTY', () => {
  let rig: PtyScaleRig<ContinuousAsciiSimulator> | undefined;
  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
  });

  const settledAt = (grams: number, tolerance = 0.5) => waitForStableWeight(rig!.scale, { ...STABLE_TIMEOUT, accept: near(grams, tolerance) });

  it('reads ST/US,GS lines: unstable while the load swings, stable at the right weight', async () => {
    rig = await continuousOverPty();
    expect(rig.scale.health()).toEqual({ state: 'running' });
    expect(rig.scale.identity()).toEqual({ protocol: 'continuous-ascii', port: rig.pty.driverPath });
    const since = rig.recorder.mark();
    rig.simulator.setLoad(1250);
    await settledAt(1250);
    expect(since().some((r) => !r.stable)).toBe(true);
    expect(since().filter((r) => r.stable).every((r) => Math.abs(r.grams - 1250) <= 0.5)).toBe(true);
  });

  it('normalises kg, lb and oz lines to grams', async () => {
    for (const [unit, decimals, tolerance] of [
      ['kg', 3, 1],
      ['lb', 4, 0.1],
      ['oz', 2, 0.3],
    ] as const) {
      rig = await continuousOverPty({ simulator: { unit, decimals } });
      rig.simulator.setLoad(1234.5);
      await settledAt(1234.5, tolerance);
      await rig.dispose();
      rig = undefined;
    }
  });

  it('reads NT lines after a tare on the indicator keys, and OL lines as overload', async () => {
    rig = await continuousOverPty();
    const { simulator, recorder, scale } = rig;
    simulator.setLoad(400);
    await settledAt(400);
    simulator.pressTare();
    await settledAt(0);
    simulator.setLoad(1400);
    await settledAt(1000);

    simulator.setLoad(40_000);
    await waitFor(() => recorder.ranges.includes('overload'), { description: 'OL line' });
    expect(scale.latest()).toBeUndefined();
    expect(scale.health().state).toBe('running');
    simulator.setLoad(1400);
    await settledAt(1000);
    expect(recorder.ranges.at(-1)).toBe('ok');
  });

  it('tares and zeroes in software, waiting for a settled load unless told immediate', async () => {
    rig = await continuousOverPty();
    const { simulator, scale } = rig;
    simulator.setLoad(300);
    await waitFor(() => scale.latest()?.stable === false, { description: 'the load swinging' });
    await scale.tare(); // waits for the swing to settle
    await settledAt(0);
    simulator.setLoad(800);
    await settledAt(500);
    await scale.zero();
    await settledAt(0);
    simulator.setLoad(850);
    await settledAt(50);
    await scale.zero({ immediate: true });
    await settledAt(0);
    simulator.setLoad(900);
    await settledAt(50);
    await scale.tare({ immediate: true });
    await settledAt(0);
  });

  it('refuses a tare it cannot do: nothing settles in time, or overload', async () => {
    rig = await continuousOverPty({ simulator: { settleReadings: 1_000_000 }, driver: { stableCommandTimeoutMs: 300 } });
    rig.simulator.setLoad(300);
    await expect(rig.scale.tare()).rejects.toMatchObject({ code: ErrorCode.HardwareTimeout });
    await rig.dispose();

    rig = await continuousOverPty();
    rig.simulator.setLoad(45_000);
    await waitFor(() => rig!.recorder.ranges.includes('overload') && rig!.scale.latest() === undefined, { description: 'overload' });
    await expect(rig.scale.tare({ immediate: true })).rejects.toMatchObject({ code: ErrorCode.ScaleCommandRejected, context: { reason: 'overload' } });
  });

  it('judges stability in software when the lines carry no ST/US flag', async () => {
    rig = await continuousOverPty({ simulator: { fields: { stability: false, mode: true } }, driver: { stability: { mode: 'scale', readings: 5, toleranceGrams: 1, windowMs: 200 } } });
    const since = rig.recorder.mark();
    rig.simulator.setLoad(600);
    await settledAt(600);
    const seen = since();
    expect(seen.some((r) => !r.stable)).toBe(true);
    const firstStable = seen.findIndex((r) => r.stable);
    expect(firstStable).toBeGreaterThanOrEqual(4); // needs 5 readings over 200 ms in the band
    expect(seen.slice(firstStable).every((r) => Math.abs(r.grams - 600) <= 0.5)).toBe(true);
  });

  it('does not trust an indicator that flags ST while the load still swings, when told to check (mode both)', async () => {
    const badIndicator = { flagsStableWhileMoving: true };
    rig = await continuousOverPty({ simulator: badIndicator, driver: { stability: { mode: 'scale', readings: 5, toleranceGrams: 1, windowMs: 200 } } });
    let since = rig.recorder.mark();
    rig.simulator.setLoad(1000);
    await settledAt(1000);
    // Trusting the flag, a swinging weight is reported stable: the reason for mode 'both'.
    expect(since().some((r) => r.stable && Math.abs(r.grams - 1000) > 10)).toBe(true);
    await rig.dispose();

    rig = await continuousOverPty({ simulator: badIndicator, driver: { stability: { mode: 'both', readings: 5, toleranceGrams: 1, windowMs: 200 } } });
    since = rig.recorder.mark();
    rig.simulator.setLoad(1000);
    await settledAt(1000);
    expect(since().filter((r) => r.stable).every((r) => Math.abs(r.grams - 1000) <= 0.5)).toBe(true);
  });

  it('calibrates against a known weight and applies the factor to every reading', async () => {
    rig = await continuousOverPty();
    rig.simulator.setLoad(2040); // a 2 kg test weight read 2 % heavy
    await settledAt(2040);
    const factor = await rig.scale.calibrate(2000);
    expect(factor).toBeCloseTo(2000 / 2040, 3);
    await settledAt(2000);
    rig.simulator.setLoad(1020);
    await settledAt(1000);
    await expect(rig.scale.calibrate(Number.NaN)).rejects.toMatchObject({ code: ErrorCode.ScaleCalibrationRejected });
  });

  it('discards NUL, 8-bit junk and an endless line, counting and logging them in hex, and keeps weighing', async () => {
    const logs = captureLogs();
    rig = await continuousOverPty({ logger: logs.logger });
    const { simulator, scale, recorder } = rig;
    simulator.setLoad(700);
    await settledAt(700);
    simulator.sendGarbage(Buffer.from([0x00, 0x00, 0xff, 0xc3, 0xa9]));
    simulator.sendGarbage(`ST,GS,+${'9'.repeat(4000)}\r\n`);
    simulator.sendGarbage('ST,GS,+0001.250ct\r\n');
    // The junk runs into the endless line (one bad frame, however it is chunked), then the wrong unit.
    await waitFor(() => scale.diagnostics().badFrames >= 2, { description: 'garbage counted' });
    const discarded = () => logs.lines().filter((line) => line.msg === 'unreadable scale data discarded');
    // Logged with the bad bytes in hex: the wrong-unit line whole, the endless one cut to its first 64 bytes.
    await waitFor(() => discarded().some((line) => line.reason === 'bad-unit'), { description: 'the wrong unit logged' });
    expect(discarded()).toContainEqual(expect.objectContaining({ reason: 'bad-unit', hex: Buffer.from('ST,GS,+0001.250ct').toString('hex'), length: 17 }));
    expect(discarded()).toContainEqual(
      expect.objectContaining({ reason: 'overlong', hex: Buffer.concat([Buffer.from([0x00, 0x00, 0xff, 0xc3, 0xa9]), Buffer.from(`ST,GS,+${'9'.repeat(52)}`)]).toString('hex') }),
    );
    const since = recorder.mark();
    await waitFor(() => since().filter((r) => r.stable && Math.abs(r.grams - 700) <= 0.5).length >= 5, { description: 'readings after garbage' });
    expect(recorder.faults).toEqual([]);
  });

  it('faults when the USB adapter is pulled, and recovers when it is back', async () => {
    rig = await continuousOverPty();
    const { pty, scale, recorder, simulator } = rig;
    await pty.unplug();
    await waitFor(() => scale.health().state === 'faulted', { description: 'faulted' });
    expect(recorder.faults.map((f) => f.code)).toEqual([ErrorCode.HardwareFault]);
    expect(scale.latest()).toBeUndefined();
    await pty.replug();
    await waitFor(() => recorder.recoveries === 1 && scale.health().state === 'running', { description: 'recovered' });
    simulator.setLoad(432);
    await settledAt(432);
    expect(recorder.faults).toHaveLength(1);
  });

  it('faults an indicator that goes quiet or sends only garbage (wrong baud rate), and recovers when lines return', async () => {
    rig = await continuousOverPty();
    const { scale, recorder, simulator } = rig;
    simulator.setSilent(true);
    const noise = setInterval(() => simulator.sendGarbage(Buffer.from([0xe0, 0x1c, 0xfc, 0x00, 0x0d, 0x0a])), 20);
    try {
      await waitFor(() => recorder.faults.length === 1, { description: 'fault on silence' });
    } finally {
      clearInterval(noise);
    }
    expect(recorder.faults[0]!.code).toBe(ErrorCode.HardwareTimeout);
    expect(scale.diagnostics()).toMatchObject({ timeouts: 1 });
    expect(scale.diagnostics().badFrames).toBeGreaterThan(0);
    simulator.setSilent(false);
    await waitFor(() => recorder.recoveries === 1, { description: 'recovered' });
    expect(scale.health().state).toBe('running');
  });
});

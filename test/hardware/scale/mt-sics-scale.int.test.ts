import { afterEach, describe, expect, it } from 'vitest';
import { createMtSicsDecoder } from '../../../src/hardware/scale/mt-sics-parser.js';
import type { MtSicsResponse } from '../../../src/hardware/scale/mt-sics-protocol.js';
import type { MtSicsSimulator } from '../../../src/hardware/scale/mt-sics-simulator.js';
import { waitForStableWeight } from '../../../src/hardware/scale/scale.js';
import { ErrorCode } from '../../../src/ops/errors.js';
import { waitFor } from '../../support/wait-for.js';
import { captureLogs } from '../barcode/log-capture.js';
import { mtSicsOverPty, near, offsetClock, serialLink, type PtyScaleRig } from './scale-rigs.js';

const STABLE_TIMEOUT = { timeoutMs: 10_000 };

describe('MtSicsScale against the MT-SICS simulator over a real PTY', () => {
  let rig: PtyScaleRig<MtSicsSimulator> | undefined;
  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
  });

  async function settledAt(grams: number, tolerance = 0.5) {
    return waitForStableWeight(rig!.scale, { ...STABLE_TIMEOUT, accept: near(grams, tolerance) });
  }

  it('identifies the balance with @ at start, then polls SI; reading times come from the Clock', async () => {
    rig = await mtSicsOverPty({ simulator: { serialNumber: 'SNR-0815' }, clock: offsetClock(5_000_000) });
    const { scale, simulator, recorder } = rig;
    expect(scale.health()).toEqual({ state: 'running' });
    expect(scale.identity()).toEqual({ protocol: 'mt-sics', port: rig.pty.driverPath, serialNumber: 'SNR-0815' });
    expect(simulator.commands[0]).toBe('@');
    await waitFor(() => recorder.readings.length >= 3, { description: 'polled readings' });
    expect(simulator.commands.slice(1, 4)).toEqual(['SI', 'SI', 'SI']);
    expect(recorder.readings.every((r) => r.uptimeMs >= 5_000_000)).toBe(true);
    expect(scale.latest()).toMatchObject({ stable: true });
  });

  it('reports a new load as dynamic (S D) while it swings, then stable (S S) at the right weight', async () => {
    rig = await mtSicsOverPty();
    const since = rig.recorder.mark();
    rig.simulator.setLoad(1250);
    const reading = await settledAt(1250);
    expect(reading.stable).toBe(true);
    const seen = since();
    expect(seen.some((r) => !r.stable && Math.abs(r.grams - 1250) > 2)).toBe(true);
    expect(seen.filter((r) => r.stable).every((r) => Math.abs(r.grams - 1250) <= 0.5)).toBe(true);
  });

  it('normalises a balance weighing in kg or lb to grams', async () => {
    rig = await mtSicsOverPty({ simulator: { unit: 'kg', decimals: 4 } });
    rig.simulator.setLoad(2345.6);
    await settledAt(2345.6, 0.6);
    await rig.dispose();
    rig = await mtSicsOverPty({ simulator: { unit: 'lb', decimals: 4 } });
    rig.simulator.setLoad(453.59237);
    await settledAt(453.59, 0.3);
  });

  it('tares with T when the load is stable; readings are net of the tare', async () => {
    rig = await mtSicsOverPty();
    rig.simulator.setLoad(250);
    await settledAt(250);
    await rig.scale.tare();
    expect(rig.simulator.commands).toContain('T');
    expect(rig.scale.latest()).toBeUndefined();
    await settledAt(0);
    rig.simulator.setLoad(1250);
    await settledAt(1000);
  });

  it('tares immediately with TI even while the load swings', async () => {
    // A long swing (25 A/D readings, 0.5 s), so a poll lands in it even on a busy machine.
    rig = await mtSicsOverPty({ simulator: { settleReadings: 25 } });
    rig.simulator.setLoad(800);
    await waitFor(() => rig!.scale.latest()?.stable === false, { description: 'the load swinging' });
    await rig.scale.tare({ immediate: true });
    expect(rig.simulator.commands).toContain('TI');
    // The tare was taken mid-swing, so the settled net is off the load by the swing: not zero, but settled.
    const reading = await waitForStableWeight(rig.scale, STABLE_TIMEOUT);
    expect(Math.abs(reading.grams)).toBeLessThan(800 * 0.2 + 5);
  });

  it('zeroes with Z and ZI within the zero range, and reports Z + beyond it', async () => {
    rig = await mtSicsOverPty();
    rig.simulator.setLoad(12); // drift on the empty platform
    await settledAt(12);
    await rig.scale.zero();
    await settledAt(0);
    rig.simulator.setLoad(20);
    await settledAt(8);
    await rig.scale.zero({ immediate: true });
    await settledAt(0);
    expect(rig.simulator.commands).toEqual(expect.arrayContaining(['Z', 'ZI']));

    rig.simulator.setLoad(5000); // a parcel, far outside the ±600 g zero range
    await settledAt(4980);
    await expect(rig.scale.zero()).rejects.toMatchObject({ code: ErrorCode.ScaleCommandRejected, context: { reason: 'over-range' } });
    expect(rig.scale.health().state).toBe('running');
  });

  it('clears the tare with Z', async () => {
    rig = await mtSicsOverPty();
    rig.simulator.setLoad(300);
    await settledAt(300);
    await rig.scale.tare();
    rig.simulator.setLoad(0);
    await settledAt(-300);
    await rig.scale.zero();
    await settledAt(0);
  });

  it('calibrates from a stable S reading of a known weight, and refuses a nonsense one', async () => {
    rig = await mtSicsOverPty();
    rig.simulator.setLoad(990); // the balance reads a 1000 g test weight as 990 g
    await settledAt(990);
    const factor = await rig.scale.calibrate(1000);
    expect(factor).toBeCloseTo(1000 / 990, 3); // the settled reading carries ±0.2 g of noise
    expect(rig.scale.calibrationFactor()).toBe(factor);
    expect(rig.simulator.commands).toContain('S');
    await settledAt(1000);

    rig.simulator.setLoad(0);
    await settledAt(0);
    await expect(rig.scale.calibrate(1000)).rejects.toMatchObject({ code: ErrorCode.ScaleCalibrationRejected });
    await expect(rig.scale.calibrate(-1)).rejects.toMatchObject({ code: ErrorCode.ScaleCalibrationRejected });
    expect(rig.scale.calibrationFactor()).toBe(factor);
    rig.scale.setCalibrationFactor(1);
    rig.simulator.setLoad(990);
    await settledAt(990);
  });

  it('reports overload (S +) and underload (S -) as range changes without readings, then recovers the range', async () => {
    rig = await mtSicsOverPty();
    const { scale, simulator, recorder } = rig;
    simulator.setLoad(45_000); // capacity 30 kg
    await waitFor(() => recorder.ranges.includes('overload'), { description: 'overload' });
    expect(scale.latest()).toBeUndefined();
    expect(scale.diagnostics().range).toBe('overload');
    expect(scale.health().state).toBe('running');
    simulator.setLoad(-2000);
    await waitFor(() => recorder.ranges.at(-1) === 'underload', { description: 'underload' });
    simulator.setLoad(500);
    await settledAt(500);
    expect(recorder.ranges.at(-1)).toBe('ok');
    expect(scale.diagnostics().range).toBe('ok');
  });

  it.each([
    ['T', 'ES', 'syntax-error'],
    ['T', 'ET', 'transmission-error'],
    ['T', 'EL', 'logical-error'],
    ['T', 'T I', 'not-executable'],
    ['T', 'T +', 'over-range'],
    ['TI', 'TI L', 'logical'],
    ['Z', 'Z -', 'under-range'],
    ['ZI', 'ZI I', 'not-executable'],
  ] as const)('rejects %s answered with %j as ScaleCommandRejected (%s)', async (command, line, reason) => {
    rig = await mtSicsOverPty();
    rig.simulator.injectResponse({ command, line });
    const action = command.startsWith('T') ? rig.scale.tare({ immediate: command === 'TI' }) : rig.scale.zero({ immediate: command === 'ZI' });
    await expect(action).rejects.toMatchObject({ code: ErrorCode.ScaleCommandRejected, context: { command, reason } });
    expect(rig.scale.health().state).toBe('running');
    expect(rig.scale.diagnostics().refusals).toBeGreaterThanOrEqual(1);
  });

  it('shrugs off a stray error answer to a poll, but faults a balance that keeps refusing SI, and recovers', async () => {
    rig = await mtSicsOverPty();
    const { scale, simulator, recorder } = rig;
    simulator.injectResponse({ command: 'SI', line: 'ET' });
    await waitFor(() => scale.diagnostics().refusals >= 1 && recorder.readings.length > 5, { description: 'one ET, then readings' });
    expect(recorder.faults).toEqual([]);

    // Refusing for longer than responseTimeoutMs (1 s): some 50 polls at 20 ms.
    simulator.injectResponse({ command: 'SI', line: 'S I', times: 80 });
    await waitFor(() => recorder.faults.length === 1, { description: 'fault after refusals' });
    expect(recorder.faults[0]!.code).toBe(ErrorCode.ScaleCommandRejected);
    await waitFor(() => recorder.recoveries === 1 && scale.health().state === 'running', { description: 'recovered' });
  });

  it('faults a balance answering in a unit it cannot weigh in, instead of misreading it', async () => {
    rig = await mtSicsOverPty();
    rig.simulator.injectResponse({ command: 'SI', line: 'S S     100.00 ct', times: 80 });
    await waitFor(() => rig!.recorder.faults.length === 1, { description: 'fault' });
    expect(rig.recorder.faults[0]).toMatchObject({ code: ErrorCode.HardwareFault, context: { reason: 'bad-unit' } });
    expect(rig.scale.diagnostics().badFrames).toBeGreaterThanOrEqual(3);
    await waitFor(() => rig!.recorder.recoveries === 1, { description: 'recovered once answers are readable' });
  });

  it('discards line noise, NUL, 8-bit junk and an endless line, counting and logging them in hex, and keeps weighing', async () => {
    const logs = captureLogs();
    rig = await mtSicsOverPty({ logger: logs.logger });
    const { scale, simulator, recorder } = rig;
    simulator.setLoad(700);
    await settledAt(700);
    simulator.sendGarbage(Buffer.from([0x00, 0xff, 0x80, 0x0d, 0x0a, 0x00]));
    simulator.sendGarbage(Buffer.concat([Buffer.from('S S '), Buffer.alloc(5000, 0x39), Buffer.from('\r\n')]));
    simulator.sendGarbage('Z A\r\n'); // readable, but nobody asked
    await waitFor(() => scale.diagnostics().badFrames >= 2 && scale.diagnostics().strayFrames >= 1, { description: 'garbage counted' });
    const discarded = logs.lines().filter((line) => line.msg === 'unreadable scale data discarded');
    // Each bad frame is logged with its bytes in hex (a chunk's overlong discards come before its lines, so not in byte order).
    expect(discarded).toContainEqual(expect.objectContaining({ reason: 'noise', hex: '00ff80', length: 3 }));
    // The endless line (the NUL ran into it) is cut to its first 64 bytes in the log; its length is kept.
    expect(discarded).toContainEqual(
      expect.objectContaining({ reason: 'overlong', hex: Buffer.concat([Buffer.from([0x00]), Buffer.from('S S '), Buffer.alloc(59, 0x39)]).toString('hex') }),
    );
    expect(discarded.filter((line) => line.reason === 'overlong').every((line) => (line.length as number) > 100)).toBe(true);
    // The first is a warning, the rest debug lines, so a wrong baud rate cannot flood the log.
    expect(discarded.map((line) => line.level)).toEqual([40, ...Array(discarded.length - 1).fill(20)]);
    const since = recorder.mark();
    await waitFor(() => since().filter((r) => r.stable && Math.abs(r.grams - 700) <= 0.5).length >= 5, { description: 'readings after garbage' });
    expect(recorder.faults).toEqual([]);
  });

  it('faults when the USB adapter is pulled, retries, and recovers when it is back', async () => {
    rig = await mtSicsOverPty();
    const { pty, scale, simulator, recorder } = rig;
    await pty.unplug();
    await waitFor(() => scale.health().state === 'faulted', { description: 'faulted' });
    expect(recorder.faults).toHaveLength(1);
    expect(recorder.faults[0]!.code).toBe(ErrorCode.HardwareFault);
    expect(scale.latest()).toBeUndefined();
    await expect(scale.tare()).rejects.toMatchObject({ code: ErrorCode.HardwareFault });

    const handshakes = simulator.commands.filter((c) => c === '@').length;
    await pty.replug();
    await waitFor(() => recorder.recoveries === 1 && scale.health().state === 'running', { description: 'recovered' });
    expect(simulator.commands.filter((c) => c === '@').length).toBeGreaterThan(handshakes);
    simulator.setLoad(321);
    await settledAt(321);
    expect(recorder.faults).toHaveLength(1);
  });

  it('starts faulted when the scale is not plugged in, and recovers when it is', async () => {
    rig = await mtSicsOverPty({ unpluggedAtStart: true });
    expect(rig.scale.health().state).toBe('faulted');
    expect(rig.recorder.faults[0]!.code).toBe(ErrorCode.HardwareFault);
    await rig.pty.replug();
    await waitFor(() => rig!.recorder.recoveries === 1, { description: 'recovered' });
    expect(rig.scale.identity().serialNumber).toBe('B123456789');
  });

  it('faults a balance that stops answering (watchdog), and recovers via @ when it answers again, tare cleared', async () => {
    rig = await mtSicsOverPty();
    const { scale, simulator, recorder } = rig;
    simulator.setLoad(200);
    await settledAt(200);
    await scale.tare();
    simulator.setSilent(true);
    await waitFor(() => recorder.faults.length === 1, { description: 'fault on silence' });
    expect(recorder.faults[0]!.code).toBe(ErrorCode.HardwareTimeout);
    expect(scale.diagnostics().timeouts).toBeGreaterThanOrEqual(1);
    await expect(scale.zero()).rejects.toMatchObject({ code: ErrorCode.HardwareFault });

    const before = simulator.commands.length;
    simulator.setSilent(false);
    await waitFor(() => recorder.recoveries === 1, { description: 'recovered' });
    expect(simulator.commands.slice(before)).toContain('@');
    expect(simulator.tare).toBe(0);
    await settledAt(200);
  });

  it('queues tare and zero between polls: one command on the wire at a time', async () => {
    rig = await mtSicsOverPty();
    rig.simulator.setLoad(100);
    await settledAt(100);
    await Promise.all([rig.scale.tare(), rig.scale.zero({ immediate: true }), rig.scale.tare({ immediate: true })]);
    const commands = rig.simulator.commands;
    const t = commands.lastIndexOf('T');
    expect(commands.slice(t, t + 3)).toEqual(['T', 'ZI', 'TI']);
  });

  it('simulator: SIR streams weight lines at the A/D rate until the next command', async () => {
    rig = await mtSicsOverPty({ startDriver: false });
    const client = serialLink(rig.pty.driverPath);
    const decoder = createMtSicsDecoder();
    const answers: MtSicsResponse[] = [];
    client.on('data', (chunk) => answers.push(...decoder.push(chunk).frames));
    await client.start();
    try {
      await client.write('SIR\r\n');
      await waitFor(() => answers.length >= 4, { description: 'SIR stream' });
      expect(answers.every((a) => a.kind === 'weight')).toBe(true);
      await client.write('@\r\n');
      await waitFor(() => answers.some((a) => a.kind === 'serial-number'), { description: '@ answered' });
      const afterReset = answers.length;
      // A swinging load makes S wait several A/D ticks; a stream still running would interleave lines.
      rig.simulator.setLoad(50);
      await client.write('S\r\n');
      await waitFor(() => answers.length > afterReset, { description: 'S answered' });
      expect(answers.slice(afterReset)).toEqual([expect.objectContaining({ kind: 'weight', stable: true })]);
    } finally {
      await client.close();
    }
  });

  it('simulator: answers an unknown command with ES, parameters with EL and 8-bit bytes with ET', async () => {
    rig = await mtSicsOverPty({ startDriver: false });
    const client = serialLink(rig.pty.driverPath);
    const decoder = createMtSicsDecoder();
    const answers: MtSicsResponse[] = [];
    client.on('data', (chunk) => answers.push(...decoder.push(chunk).frames));
    await client.start();
    try {
      await client.write('XYZ\r\nZ 5\r\n');
      await client.write(Buffer.from([0x53, 0xe9, 0x0d, 0x0a]));
      await waitFor(() => answers.length === 3, { description: 'three answers' });
      expect(answers).toEqual([
        { kind: 'error', error: 'syntax' },
        { kind: 'error', error: 'logical' },
        { kind: 'error', error: 'transmission' },
      ]);
    } finally {
      await client.close();
    }
  });
});

describe('MtSicsScale in stream mode (SIR) against the MT-SICS simulator over a real PTY', () => {
  let rig: PtyScaleRig<MtSicsSimulator> | undefined;
  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
  });

  const streaming = (options: Parameters<typeof mtSicsOverPty>[0] = {}) => mtSicsOverPty({ ...options, driver: { mode: 'stream', ...options.driver } });
  async function settledAt(grams: number, tolerance = 0.5) {
    return waitForStableWeight(rig!.scale, { ...STABLE_TIMEOUT, accept: near(grams, tolerance) });
  }
  /** The commands after the last `@`, the handshake that every (re)connection starts with. */
  const sinceHandshake = () => rig!.simulator.commands.slice(rig!.simulator.commands.lastIndexOf('@') + 1);

  it('sends SIR once after @ and weighs from the stream: many readings, no further command', async () => {
    rig = await streaming({ simulator: { serialNumber: 'SNR-4711' } });
    const { scale, simulator, recorder } = rig;
    expect(scale.identity().serialNumber).toBe('SNR-4711');
    simulator.setLoad(1250);
    const reading = await settledAt(1250);
    expect(reading.stable).toBe(true);
    await waitFor(() => recorder.readings.length >= 30, { description: 'streamed readings' });
    expect(simulator.commands).toEqual(['@', 'SIR']);
    expect(recorder.readings.some((r) => !r.stable)).toBe(true); // S D lines while the load swung
    expect(scale.diagnostics()).toMatchObject({ strayFrames: 0, refusals: 0, timeouts: 0 });
  });

  it('pauses the stream for T, TI, Z and ZI and sends SIR again after each; no stale reading survives a tare', async () => {
    rig = await streaming();
    const { scale, simulator } = rig;
    simulator.setLoad(250);
    await settledAt(250);
    await scale.tare();
    expect(scale.latest()).toBeUndefined();
    await settledAt(0);
    expect(sinceHandshake()).toEqual(['SIR', 'T', 'SIR']);

    simulator.setLoad(1250);
    await settledAt(1000);
    await scale.tare({ immediate: true });
    await settledAt(0);
    simulator.setLoad(10); // net of the 1250 g tare
    await settledAt(-1240);
    await scale.zero();
    await settledAt(0);
    simulator.setLoad(18);
    await settledAt(8);
    await scale.zero({ immediate: true });
    await settledAt(0);
    expect(sinceHandshake()).toEqual(['SIR', 'T', 'SIR', 'TI', 'SIR', 'Z', 'SIR', 'ZI', 'SIR']);
    expect(scale.health().state).toBe('running');
  });

  it('rejects a refused tare and still resumes the stream', async () => {
    rig = await streaming();
    await waitFor(() => rig!.recorder.readings.length > 0, { description: 'the stream running' });
    rig.simulator.injectResponse({ command: 'T', line: 'T I' });
    await expect(rig.scale.tare()).rejects.toMatchObject({ code: ErrorCode.ScaleCommandRejected, context: { command: 'T', reason: 'not-executable' } });
    const since = rig.recorder.mark();
    await waitFor(() => since().length >= 5, { description: 'readings after the refused tare' });
    expect(sinceHandshake()).toEqual(['SIR', 'T', 'SIR']);
  });

  it('queues tare and zero while streaming: one command on the wire at a time, then one SIR', async () => {
    rig = await streaming();
    rig.simulator.setLoad(100);
    await settledAt(100);
    await Promise.all([rig.scale.tare(), rig.scale.zero({ immediate: true }), rig.scale.tare({ immediate: true })]);
    await waitFor(() => rig!.simulator.commands.at(-1) === 'SIR', { description: 'stream resumed' });
    expect(sinceHandshake()).toEqual(['SIR', 'T', 'ZI', 'TI', 'SIR']);
  });

  it('calibrates from the next stable reading of the stream, without sending S', async () => {
    rig = await streaming();
    rig.simulator.setLoad(990);
    await settledAt(990);
    const factor = await rig.scale.calibrate(1000);
    expect(factor).toBeCloseTo(1000 / 990, 3);
    await settledAt(1000);
    expect(rig.simulator.commands).toEqual(['@', 'SIR']);
  });

  it('reports overload and underload from the stream as ranges, and weighs again after', async () => {
    rig = await streaming();
    const { scale, simulator, recorder } = rig;
    simulator.setLoad(45_000);
    await waitFor(() => recorder.ranges.includes('overload'), { description: 'overload' });
    expect(scale.latest()).toBeUndefined();
    simulator.setLoad(-2000);
    await waitFor(() => recorder.ranges.at(-1) === 'underload', { description: 'underload' });
    simulator.setLoad(500);
    await settledAt(500);
    expect(recorder.ranges.at(-1)).toBe('ok');
    expect(scale.diagnostics()).toMatchObject({ refusals: 0 });
    expect(simulator.commands).toEqual(['@', 'SIR']);
  });

  it('faults a stream that goes quiet (watchdog), and recovers with @ and a new SIR', async () => {
    rig = await streaming();
    const { scale, simulator, recorder } = rig;
    simulator.setLoad(200);
    await settledAt(200);
    simulator.setSilent(true);
    await waitFor(() => recorder.faults.length === 1, { description: 'fault on silence' });
    expect(recorder.faults[0]).toMatchObject({ code: ErrorCode.HardwareTimeout, context: { command: 'SIR' } });
    expect(scale.latest()).toBeUndefined();
    expect(scale.diagnostics().timeouts).toBeGreaterThanOrEqual(1);
    simulator.setSilent(false);
    await waitFor(() => recorder.recoveries === 1, { description: 'recovered' });
    await settledAt(200);
    expect(sinceHandshake()).toEqual(['SIR']);
  });

  it('faults when the USB adapter is pulled, and streams again after the replug', async () => {
    rig = await streaming();
    const { pty, scale, simulator, recorder } = rig;
    await pty.unplug();
    await waitFor(() => scale.health().state === 'faulted', { description: 'faulted' });
    expect(recorder.faults[0]!.code).toBe(ErrorCode.HardwareFault);
    await pty.replug();
    await waitFor(() => recorder.recoveries === 1 && scale.health().state === 'running', { description: 'recovered' });
    simulator.setLoad(321);
    await settledAt(321);
    expect(simulator.commands.filter((c) => c === '@')).toHaveLength(2);
    expect(sinceHandshake()).toEqual(['SIR']);
  });

  it('retries a refused SIR, and faults a balance that keeps refusing it, recovering when it streams', async () => {
    rig = await streaming({ startDriver: false });
    const { scale, simulator, recorder } = rig;
    // Refusing for longer than responseTimeoutMs (1 s): SIR is retried every pollIntervalMs (20 ms).
    simulator.injectResponse({ command: 'SIR', line: 'S I', times: 80 });
    await scale.start();
    await waitFor(() => recorder.faults.length === 1, { description: 'fault after refusals' });
    expect(recorder.faults[0]).toMatchObject({ code: ErrorCode.ScaleCommandRejected, context: { command: 'SIR', reason: 'not-executable' } });
    await waitFor(() => recorder.recoveries === 1 && scale.health().state === 'running', { description: 'recovered' });
    expect(scale.diagnostics().refusals).toBeGreaterThanOrEqual(3);
    await settledAt(0);
  });

  it('discards garbage between streamed lines, counting it, and keeps weighing', async () => {
    rig = await streaming();
    const { scale, simulator, recorder } = rig;
    simulator.setLoad(700);
    await settledAt(700);
    simulator.sendGarbage(Buffer.from([0x00, 0xff, 0x80, 0x0d, 0x0a]));
    simulator.sendGarbage('Z A\r\n'); // readable, not a weight, nobody asked
    await waitFor(() => scale.diagnostics().badFrames >= 1 && scale.diagnostics().strayFrames >= 1, { description: 'garbage counted' });
    const since = recorder.mark();
    await waitFor(() => since().filter(near(700)).length >= 5, { description: 'readings after garbage' });
    expect(recorder.faults).toEqual([]);
  });
});

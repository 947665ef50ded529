import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MtSicsResponse } from '../../../src/hardware/scale/mt-sics-protocol.js';
import { MAX_QUEUED, MtSicsSession } from '../../../src/hardware/scale/mt-sics-session.js';
import { MemoryLink } from '../../../src/hardware/serial/memory-link.js';
import { ErrorCode, KioskError } from '../../../src/ops/errors.js';
import { waitFor } from '../../support/wait-for.js';

/**
 * The request/response layer on its own, against a scripted device end: the
 * cases a well-behaved simulator never produces (late answers, answers in one
 * chunk, unreadable answers). The driver itself is tested against the real
 * simulator over a PTY.
 */
describe('MtSicsSession', () => {
  let driverEnd: MemoryLink;
  let deviceEnd: MemoryLink;
  let session: MtSicsSession;
  let received: string[];
  const strays: MtSicsResponse[] = [];
  const streamed: MtSicsResponse[] = [];
  const bad: string[] = [];

  beforeEach(async () => {
    [driverEnd, deviceEnd] = MemoryLink.pair('session');
    received = [];
    strays.length = 0;
    streamed.length = 0;
    bad.length = 0;
    deviceEnd.on('data', (chunk) => received.push(...chunk.toString().split('\r\n').filter(Boolean)));
    session = new MtSicsSession(driverEnd, {
      onBadFrame: (rejected) => bad.push(rejected.reason),
      onStray: (response) => strays.push(response),
      onAnswered: () => undefined,
      onStreamed: (response) => streamed.push(response),
    });
    driverEnd.on('data', (chunk) => session.receive(chunk));
    await driverEnd.start();
    await deviceEnd.start();
  });
  afterEach(() => session.cancelAll(new KioskError(ErrorCode.HardwareFault, 'test over')));

  const reply = (text: string) => deviceEnd.write(text);

  it('sends one command at a time, in order, each after the previous answer', async () => {
    const si = session.request('SI', 1000);
    const t = session.request('T', 1000);
    await waitFor(() => received.length === 1, { description: 'SI on the wire' });
    expect(received).toEqual(['SI']);
    await reply('S S      5.00 g\r\n');
    await expect(si).resolves.toMatchObject({ kind: 'weight' });
    await waitFor(() => received.length === 2, { description: 'T on the wire' });
    await reply('T S      5.00 g\r\n');
    await expect(t).resolves.toMatchObject({ kind: 'tare' });
  });

  it('times out, and a late answer is stray: it cannot complete the next, different command', async () => {
    await expect(session.request('SI', 50)).rejects.toMatchObject({ code: ErrorCode.HardwareTimeout });
    const tare = session.request('T', 1000);
    await waitFor(() => received.includes('T'), { description: 'T on the wire' });
    await reply('S S      5.00 g\r\nT S      5.00 g\r\n'); // the late SI answer, then T's, in one chunk
    await expect(tare).resolves.toMatchObject({ kind: 'tare' });
    expect(strays).toEqual([expect.objectContaining({ kind: 'weight' })]);
  });

  it('matches a general error line (ES/ET/EL) to whatever is outstanding', async () => {
    const zero = session.request('Z', 1000);
    await waitFor(() => received.includes('Z'), { description: 'Z on the wire' });
    await reply('EL\r\n');
    await expect(zero).resolves.toEqual({ kind: 'error', error: 'logical' });
  });

  it('fails a command at once when its answer is unreadable, and counts the bad line', async () => {
    const si = session.request('SI', 5000);
    await waitFor(() => received.includes('SI'), { description: 'SI on the wire' });
    await reply('S S     12.00 ct\r\n');
    await expect(si).rejects.toMatchObject({ code: ErrorCode.HardwareFault, context: { reason: 'bad-unit' } });
    expect(bad).toEqual(['bad-unit']);
  });

  it('refuses to queue without limit, and cancels everything on link loss', async () => {
    const pending = Array.from({ length: MAX_QUEUED + 1 }, () => session.request('SI', 5000));
    const outcomes = pending.map((p) => p.catch((error: KioskError) => error.message));
    await expect(session.request('T', 5000)).rejects.toMatchObject({ code: ErrorCode.HardwareFault });
    session.cancelAll(new KioskError(ErrorCode.HardwareFault, 'lost'));
    expect(await Promise.all(outcomes)).toEqual(Array(MAX_QUEUED + 1).fill('[E102] lost'));
  });

  it('hands the lines of an SIR stream to onStreamed until the next command, and treats stream lines still on the wire then as stray', async () => {
    const sir = session.request('SIR', 1000);
    await waitFor(() => received.includes('SIR'), { description: 'SIR on the wire' });
    expect(session.streaming).toBe(false);
    await reply('S D     10.00 g\r\n');
    await expect(sir).resolves.toMatchObject({ kind: 'weight', stable: false });
    expect(session.streaming).toBe(true);
    expect(session.idle).toBe(true);
    await reply('S D     11.00 g\r\nS S     12.00 g\r\nS +\r\n');
    await waitFor(() => streamed.length === 3, { description: 'three streamed lines' });
    expect(streamed).toEqual([
      expect.objectContaining({ kind: 'weight', stable: false }),
      expect.objectContaining({ kind: 'weight', stable: true }),
      { kind: 'out-of-range', id: 'S', direction: 'over' },
    ]);
    expect(strays).toEqual([]);

    // A tare stops the stream on the balance; the two lines it had already sent are not the tare's answer.
    const tare = session.request('T', 1000);
    expect(session.streaming).toBe(false);
    await waitFor(() => received.includes('T'), { description: 'T on the wire' });
    await reply('S S     12.00 g\r\nS S     12.00 g\r\nT S     12.00 g\r\n');
    await expect(tare).resolves.toMatchObject({ kind: 'tare' });
    expect(strays).toHaveLength(2);
    expect(streamed).toHaveLength(3);
    // Not streaming any more: an unasked S line is stray too.
    await reply('S S      0.00 g\r\n');
    await waitFor(() => strays.length === 3, { description: 'stray after the stream ended' });
  });

  it('does not start a stream when SIR is refused', async () => {
    const sir = session.request('SIR', 1000);
    await waitFor(() => received.includes('SIR'), { description: 'SIR on the wire' });
    await reply('S I\r\n');
    await expect(sir).resolves.toMatchObject({ kind: 'refused' });
    expect(session.streaming).toBe(false);
  });

  it('fails a command the link cannot send', async () => {
    driverEnd.unplug();
    await expect(session.request('@', 1000)).rejects.toMatchObject({ code: ErrorCode.HardwareFault });
  });
});

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
  const bad: string[] = [];

  beforeEach(async () => {
    [driverEnd, deviceEnd] = MemoryLink.pair('session');
    received = [];
    strays.length = 0;
    bad.length = 0;
    deviceEnd.on('data', (chunk) => received.push(...chunk.toString().split('\r\n').filter(Boolean)));
    session = new MtSicsSession(driverEnd, {
      onBadFrame: (rejected) => bad.push(rejected.reason),
      onStray: (response) => strays.push(response),
      onAnswered: () => undefined,
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

  it('fails a command the link cannot send', async () => {
    driverEnd.unplug();
    await expect(session.request('@', 1000)).rejects.toMatchObject({ code: ErrorCode.HardwareFault });
  });
});

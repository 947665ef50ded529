import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../src/ops/clock.js';
import { SyncConfig } from '../../src/ops/config/sync-config.js';
import { ErrorCode } from '../../src/ops/errors.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import type { EventDraft } from '../../src/protocol/events.js';
import { openDatabase } from '../../src/store/database.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { OutboxSync } from '../../src/sync/outbox-sync.js';
import { MemoryUplink } from '../support/memory-uplink.js';
import { readOutbox } from '../support/outbox-file.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

const DEVICE = 'kiosk-sync-1';
const started: EventDraft = { type: 'kiosk.started', payload: { runtimeVersion: 'test', configVersion: 1 } };
const clock: Clock = { bootId: '0192f0a4-3b1c-7cc2-9a51-2f3e4d5c6b7a', wallNow: () => new Date(), uptimeMs: () => 1 };

/** Lets promise callbacks (PUBACK handling) run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
};

describe('OutboxSync (real SQLite outbox, in-memory uplink twin)', () => {
  let dir: TempDir;
  let store: SqliteEventStore;
  let uplink: MemoryUplink;
  let sync: OutboxSync | undefined;

  beforeEach(() => {
    vi.useFakeTimers();
    dir = makeTempDir();
    store = new SqliteEventStore(openDatabase(dir.file('kiosk.db'), createSilentLogger()), DEVICE, clock);
    uplink = new MemoryUplink();
  });
  afterEach(() => {
    sync?.stop();
    sync = undefined;
    store.close();
    dir.remove();
    vi.useRealTimers();
  });

  function startSync(settings: Record<string, unknown> = {}, random = () => 0.5): OutboxSync {
    sync = new OutboxSync({ store, uplink, deviceId: DEVICE, settings: SyncConfig.parse(settings), logger: createSilentLogger(), random, now: () => Date.now(), retryDelayMs: 100, parkRetryMs: 10_000 });
    sync.start();
    return sync;
  }

  function append(n: number): void {
    for (let i = 0; i < n; i += 1) store.append(started);
  }

  it('publishes in seq order in bounded batches, never more in flight than the window below the broker’s Receive Maximum', async () => {
    append(25);
    startSync({ batchMaxEvents: 4, inFlightMax: 16, backlog: { eventsPerSecond: 0, startJitterMs: 0 } });
    uplink.connect(5); // a small Receive Maximum: 5 - 2 reserved = a window of 3 batches
    // The backlog leaves one slot for live events, which take it at once.
    expect(uplink.inFlight).toHaveLength(2);
    append(1);
    expect(uplink.inFlight.map((pending) => pending.seqs)).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [26]]);
    while (uplink.inFlight.length > 0) {
      uplink.ackOldest(1);
      await settle();
    }
    expect(uplink.maxInFlight).toBe(3);
    expect(uplink.eventSeqs().filter((seq) => seq !== 26)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(uplink.published.every((entry) => entry.seqs.length <= 4)).toBe(true);
    expect(sync?.state).toBe('idle');
  });

  it('keeps rows after the PUBACK and deletes them only on the backend’s acknowledgement', async () => {
    append(3);
    startSync();
    uplink.connect();
    uplink.ackOldest();
    await settle();
    expect(store.stats()).toMatchObject({ total: 3, ackedSeq: 0 });
    uplink.backendAck(DEVICE, 2);
    expect(store.stats()).toMatchObject({ total: 1, ackedSeq: 2 });
    // Another device's, a malformed and a lower acknowledgement change nothing.
    uplink.backendAck('someone-else', 3);
    uplink.emit('message', { name: 'ack', payload: Buffer.from('{"garbage'), tooLarge: false, retained: false });
    uplink.backendAck(DEVICE, 1);
    expect(store.stats()).toMatchObject({ total: 1, ackedSeq: 2 });
  });

  it('prunes the rows of a large acknowledgement in steps of 1,000 after publishing what comes next', async () => {
    append(2500);
    startSync({ batchMaxEvents: 500, backlog: { eventsPerSecond: 0, startJitterMs: 0 } });
    uplink.autoAck = true;
    uplink.connect();
    await settle();
    await settle();
    expect(uplink.eventSeqs()).toHaveLength(2500);
    const acknowledged: number[] = [];
    sync?.on('acknowledged', (seq) => acknowledged.push(seq));
    append(1);
    uplink.backendAck(DEVICE, 2500);
    // The watermark at once; the next event went out before any row was deleted.
    expect(acknowledged).toEqual([2500]);
    expect(store.stats()).toMatchObject({ total: 1, ackedSeq: 2500 });
    expect(uplink.eventSeqs().at(-1)).toBe(2501);
    expect(readOutbox(dir.file('kiosk.db')).held).toBe(2501);
    const seen: number[] = [];
    for (let step = 0; step < 5; step += 1) {
      // One step per turn. (Fake timers put an immediate scheduled by a running one 1 ms later.)
      await vi.advanceTimersByTimeAsync(step === 0 ? 0 : 1);
      seen.push(readOutbox(dir.file('kiosk.db')).held);
    }
    expect(seen).toEqual([1501, 501, 1, 1, 1]);
  });

  it('prunes, when it starts, rows acknowledged before a restart', async () => {
    append(1200);
    store.acknowledge(1100, 0);
    startSync();
    await vi.advanceTimersByTimeAsync(0);
    expect(readOutbox(dir.file('kiosk.db')).held).toBe(1200 - 1000);
    await vi.advanceTimersByTimeAsync(1);
    expect(readOutbox(dir.file('kiosk.db')).held).toBe(100);
  });

  it('sends everything after the watermark again on reconnect, in order', async () => {
    append(6);
    startSync({ batchMaxEvents: 2, backlog: { eventsPerSecond: 0, startJitterMs: 0 } });
    uplink.connect();
    uplink.ackOldest();
    await settle();
    uplink.backendAck(DEVICE, 2);
    uplink.disconnect();
    uplink.published.length = 0;
    uplink.autoAck = true;
    uplink.connect();
    await settle();
    await settle();
    expect(uplink.eventSeqs()).toEqual([3, 4, 5, 6]);
  });

  it('sends again what the broker took but the backend never acknowledged, once the acknowledgement is overdue', async () => {
    append(2);
    startSync({ ackTimeoutMs: 5000 });
    uplink.autoAck = true;
    uplink.connect();
    await settle();
    expect(uplink.eventSeqs()).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(4000);
    expect(uplink.eventSeqs()).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(1100);
    expect(uplink.eventSeqs()).toEqual([1, 2, 1, 2]);
    uplink.backendAck(DEVICE, 2);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(uplink.eventSeqs()).toEqual([1, 2, 1, 2]);
    expect(store.stats().total).toBe(0);
  });

  it('holds a real backlog for its random start wait and its rate, while live events go at once', async () => {
    append(500);
    // Backlog: 100 events a second, start wait 0.5 × 10 s = 5 s.
    startSync({ batchMaxEvents: 100, backlog: { eventsPerSecond: 100, startJitterMs: 10_000 } });
    uplink.autoAck = true;
    uplink.connect();
    await settle();
    expect(uplink.eventSeqs()).toEqual([]);
    append(1); // a consumer's deposit while the backlog waits
    await settle();
    expect(uplink.eventSeqs()).toEqual([501]);
    await vi.advanceTimersByTimeAsync(5000);
    // The bucket starts full (100 tokens): one batch at once, then one a second.
    expect(uplink.eventSeqs()).toHaveLength(1 + 100);
    await vi.advanceTimersByTimeAsync(2000);
    expect(uplink.eventSeqs()).toHaveLength(1 + 300);
    await vi.advanceTimersByTimeAsync(5000);
    const backlog = uplink.eventSeqs().slice(1);
    expect(backlog).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(sync?.state).toBe('idle');
  });

  it('goes at once, in order, with a backlog of no more than a batch (a restart, a short blip)', async () => {
    append(5);
    startSync({ batchMaxEvents: 100, backlog: { eventsPerSecond: 1, startJitterMs: 60_000 } });
    uplink.autoAck = true;
    uplink.connect();
    append(1);
    await settle();
    expect(uplink.eventSeqs()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('parks when the broker refuses for good (not authorized), keeps the events, and resends on `sync now`', async () => {
    append(3);
    const drain = startSync({ batchMaxEvents: 1, backlog: { eventsPerSecond: 0, startJitterMs: 0 } });
    uplink.connect();
    uplink.inFlight[0]!.refuse(ErrorCode.UplinkPublishParked, 0x87);
    await settle();
    uplink.ackOldest();
    await settle();
    expect(drain.state).toBe('parked');
    expect(drain.parked).toMatch(/0x87/);
    const sentBefore = uplink.published.length;
    append(1);
    await settle();
    expect(uplink.published.length).toBe(sentBefore);
    uplink.autoAck = true;
    drain.nudge();
    await settle();
    await settle();
    // Resent from the first event the broker did not take (1; what it took after the refusal goes again too, the backend
    // drops repeats). The event written while parked is live, so it goes first; the backlog follows in order.
    expect(uplink.eventSeqs().slice(sentBefore)).toEqual([4, 1, 2, 3]);
    expect(drain.state).toBe('idle');
    expect(store.stats().total).toBe(4);
  });

  it('retries a refused publish (quota exceeded) after a pause, from the first undelivered event', async () => {
    append(4);
    startSync({ batchMaxEvents: 2, inFlightMax: 1, backlog: { eventsPerSecond: 0, startJitterMs: 0 } });
    uplink.connect();
    uplink.ackOldest(); // 1-2 taken
    await settle();
    uplink.inFlight[0]!.refuse(ErrorCode.UplinkPublishFailed, 0x97); // 3-4 refused
    await settle();
    expect(uplink.inFlight).toHaveLength(0);
    uplink.autoAck = true;
    await vi.advanceTimersByTimeAsync(200);
    expect(uplink.eventSeqs()).toEqual([1, 2, 3, 4, 3, 4]);
  });

  it('stops publishing once unackedMaxEvents are taken by the broker but not acknowledged, and goes on as acknowledgements come', async () => {
    append(300);
    startSync({ batchMaxEvents: 50, unackedMaxEvents: 100, backlog: { eventsPerSecond: 0, startJitterMs: 0 } });
    uplink.autoAck = true;
    uplink.connect();
    await vi.advanceTimersByTimeAsync(10);
    expect(uplink.eventSeqs()).toHaveLength(100);
    uplink.backendAck(DEVICE, 100);
    await vi.advanceTimersByTimeAsync(10);
    expect(uplink.eventSeqs()).toHaveLength(200);
  });

  it('reports drained once the broker has taken everything written, and not while offline', async () => {
    append(3);
    const drain = startSync();
    const offline = drain.drained(50);
    await vi.advanceTimersByTimeAsync(100);
    expect(await offline).toBe(false);
    uplink.connect();
    const flushed = drain.drained(1000);
    uplink.ackOldest();
    await vi.advanceTimersByTimeAsync(10);
    expect(await flushed).toBe(true);
  });
});

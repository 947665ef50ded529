import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ingest } from '../../src/fleet/ingest.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { Broker } from '../support/mosquitto.js';
import { KioskProcess } from '../support/kiosk-process.js';
import { writeTestKiosk } from '../support/kiosk-config.js';
import { loadPublishedSchemas } from '../support/schemas.js';
import { TestSubscriber } from '../support/subscriber.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';
import { readOutbox as outboxCounts } from '../support/outbox-file.js';

const fourItems = [
  { label: 'cardboard', confidence: 0.93, weightGrams: 300, barcode: 'SF1400039871234', consumerCode: 'KC-TE57-0001' },
  { label: 'plastic', confidence: 0.9, weightGrams: 40 },
  { label: 'glass', confidence: 0.97, weightGrams: 450 },
  { label: 'paper', confidence: 0.3, weightGrams: 90 },
];

describe('one deposit end to end (simulated devices, real SQLite, real mosquitto)', () => {
  let dir: TempDir;
  let broker: Broker;
  let subscriber: TestSubscriber | undefined;
  let ingest: Ingest | undefined;
  let kiosks: KioskProcess[] = [];

  /** The reference backend: stores events and acknowledges them, so the kiosk deletes its rows. */
  async function startIngest(): Promise<Ingest> {
    ingest = await Ingest.start({ url: broker.url, storePath: dir.file('ingest.db'), logger: createSilentLogger(), consumers: 1 });
    return ingest;
  }

  beforeEach(async () => {
    dir = makeTempDir();
    broker = await Broker.create({ persistence: true });
    kiosks = [];
  });

  afterEach(async () => {
    for (const kiosk of kiosks) await kiosk.dispose();
    await subscriber?.disconnect();
    subscriber = undefined;
    await ingest?.stop();
    ingest = undefined;
    await broker.dispose();
    dir.remove();
  });

  function startKiosk(configFile: string): KioskProcess {
    const kiosk = new KioskProcess(configFile);
    kiosks.push(kiosk);
    return kiosk;
  }

  it('publishes each deposit to the subscriber with payloads that match the published schemas', async () => {
    await broker.start();
    subscriber = new TestSubscriber(broker.url);
    await subscriber.connect();
    await startIngest();
    const files = writeTestKiosk(dir, { brokerUrl: broker.url, scenario: { scenarioVersion: 1, passes: 1, idleMs: 0, items: fourItems } });
    startKiosk(files.configFile);

    const events = await subscriber.waitForEvents((all) => all.filter((e) => e.type.startsWith('deposit.')).length >= 4, 'four deposits');
    const validator = loadPublishedSchemas();
    for (const batch of subscriber.batches()) {
      const validate = validator('events-batch.schema.json');
      expect(validate(batch), JSON.stringify(validate.errors)).toBe(true);
    }
    const deposits = events.filter((e) => e.type.startsWith('deposit.'));
    expect(deposits.map((e) => [e.type, e.type === 'kiosk.started' ? null : (e.payload as { route: string }).route])).toEqual([
      ['deposit.accepted', 'carton'],
      ['deposit.accepted', 'mailer'],
      ['deposit.rejected', 'reject'],
      ['deposit.rejected', 'reject'],
    ]);
    const first = deposits[0];
    if (first?.type !== 'deposit.accepted') throw new Error('first deposit not accepted');
    expect(first.deviceId).toBe('kiosk-test-0001');
    expect(first.payload.consumerCode).toBe('KC-TE57-0001');
    expect(first.payload.barcodes.map((code) => code.value)).toEqual(['SF1400039871234']);
    expect(first.payload.weightGrams).toBeCloseTo(300, 0);
    const third = deposits[2];
    expect(third?.type === 'deposit.rejected' && third.payload.reasons).toEqual(['material-not-accepted']);
    const fourth = deposits[3];
    expect(fourth?.type === 'deposit.rejected' && fourth.payload.reasons).toEqual(['low-confidence']);
    // Sequence numbers are contiguous from the first event the kiosk ever wrote.
    expect(events.map((e) => e.seq)).toEqual(events.map((_, index) => index + 1));

    const status = await waitFor(() => subscriber?.statuses().find((s) => s.online), { description: 'birth message' });
    expect(validator('status.schema.json')(status)).toBe(true);
    await waitFor(() => outboxCounts(files.storeFile).held === 0, { description: 'outbox emptied by the acknowledgement' });
  });

  it('queues 100 deposits while the broker is down and delivers all of them, in seq order, when it returns', async () => {
    // The backend's persistent session exists before the outage, as in production.
    await broker.start();
    subscriber = new TestSubscriber(broker.url, 'backend-ingest-test', true);
    await subscriber.connect();
    await subscriber.disconnect();
    // The ingest's persistent sessions exist too: what the kiosk sends while it reconnects waits for it in the broker.
    await startIngest();
    await broker.stop();

    const files = writeTestKiosk(dir, {
      brokerUrl: broker.url,
      scenario: { scenarioVersion: 1, passes: 25, idleMs: 0, items: fourItems },
      // The kiosk may be back before the ingest's consumer is: what the broker took then and no consumer got is sent
      // again when the acknowledgement is late, here after 3 s rather than the minute a kiosk waits by default.
      overrides: { sync: { ackTimeoutMs: 3000 } },
    });
    const kiosk = startKiosk(files.configFile);
    await kiosk.waitForLog('scenario finished', 60_000);
    expect(outboxCounts(files.storeFile)).toMatchObject({ deposits: 100, held: 101 });

    await broker.start();
    await subscriber.connect();
    const events = await subscriber.waitForEvents((all) => all.filter((e) => e.type.startsWith('deposit.')).length >= 100, '100 deposits');
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(101);
    expect(events.filter((e) => e.type.startsWith('deposit.'))).toHaveLength(100);
    await waitFor(() => outboxCounts(files.storeFile).held === 0, { description: 'outbox emptied by the acknowledgement' });
    expect(ingest?.progress('kiosk-test-0001')).toMatchObject({ ackedSeq: 101, gaps: [] });
  });

  it('loses nothing when killed with SIGKILL between enqueue and acknowledgement; (deviceId, seq) identifies the duplicates', async () => {
    await broker.start();
    subscriber = new TestSubscriber(broker.url, 'backend-ingest-kill', true);
    await subscriber.connect();
    await startIngest();
    const files = writeTestKiosk(dir, { brokerUrl: broker.url, scenario: { scenarioVersion: 1, passes: 10, idleMs: 0, items: fourItems } });

    const first = startKiosk(files.configFile);
    await subscriber.waitForEvents((all) => all.some((e) => e.type.startsWith('deposit.')), 'the first deposit');
    // Freeze the broker: the kiosk keeps writing and publishing, but no PUBACK comes back.
    broker.pause();
    await waitFor(() => outboxCounts(files.storeFile).held >= 5, { description: 'deposits enqueued but not acknowledged' });
    first.kill('SIGKILL');
    await first.exited;
    const afterKill = outboxCounts(files.storeFile);
    expect(afterKill.held).toBeGreaterThanOrEqual(5);
    broker.resume();

    // The restarted kiosk plays its scenario again; the test only needs what the first one wrote.
    const second = startKiosk(files.configFile);
    await second.waitForLog('kiosk started');
    const storedSeqs = Array.from({ length: afterKill.lastSeq }, (_, i) => i + 1);
    const events = await subscriber.waitForEvents(
      (all) => storedSeqs.every((seq) => all.some((e) => e.seq === seq)),
      `every seq up to ${afterKill.lastSeq}`,
    );
    const byKey = new Map<string, string>();
    const duplicateSeqs: number[] = [];
    for (const event of events) {
      const key = `${event.deviceId}/${event.seq}`;
      const seen = byKey.get(key);
      // A duplicate is byte-for-byte the same event: same id, same payload.
      if (seen !== undefined) {
        expect(JSON.stringify(event)).toBe(seen);
        duplicateSeqs.push(event.seq);
      }
      byKey.set(key, JSON.stringify(event));
    }
    for (const seq of storedSeqs) expect(byKey.has(`kiosk-test-0001/${seq}`)).toBe(true);
    // The frozen broker took the first process's publishes but never acknowledged them, so the restarted
    // process sent them again: duplicates do occur, and only of events the first process had written.
    expect(duplicateSeqs.length).toBeGreaterThan(0);
    expect(Math.max(...duplicateSeqs)).toBeLessThanOrEqual(afterKill.lastSeq);
    // The restarted runtime continues the sequence; it never reuses a number.
    const restarts = events.filter((e) => e.type === 'kiosk.started');
    expect(new Set(restarts.map((e) => e.bootId)).size).toBe(2);
    expect(Math.max(...restarts.map((e) => e.seq))).toBeGreaterThan(afterKill.lastSeq);
    // The backend stored each of them once, and its watermark covers every seq the first process wrote.
    await waitFor(() => (ingest?.progress('kiosk-test-0001').ackedSeq ?? 0) >= afterKill.lastSeq, { description: 'ingest watermark past the kill' });
    expect(ingest?.store.eventsOf('kiosk-test-0001').map((e) => e.seq).slice(0, afterKill.lastSeq)).toEqual(storedSeqs);
  });

  it('keeps events queued while no backend subscribes (PUBACK 0x10) and delivers them once one does', async () => {
    await broker.start();
    const files = writeTestKiosk(dir, {
      brokerUrl: broker.url,
      scenario: { scenarioVersion: 1, passes: 1, idleMs: 0, items: fourItems },
      // Retries at most every 400 ms here (a kiosk waits up to a minute), so the test does not depend on when the backend comes;
      // what the subscriber alone took before the ingest subscribed goes again once the acknowledgement is 3 s late.
      overrides: { sync: { retry: { initialMs: 50, maxMs: 400 }, ackTimeoutMs: 3000 } },
    });
    const kiosk = startKiosk(files.configFile);
    await kiosk.waitForLog('scenario finished');
    await kiosk.waitForLog('publish not taken; resending from the first undelivered event');
    expect(outboxCounts(files.storeFile).held).toBe(5);

    subscriber = new TestSubscriber(broker.url);
    await subscriber.connect();
    await startIngest();
    const events = await subscriber.waitForEvents((all) => all.length >= 5, 'the five queued events');
    expect(events.map((e) => e.seq).slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    await waitFor(() => outboxCounts(files.storeFile).held === 0, { description: 'outbox emptied by the acknowledgement' });
  });

  it('stops cleanly on SIGTERM: finishes the visit, flushes the outbox, says offline, exits 0', async () => {
    await broker.start();
    subscriber = new TestSubscriber(broker.url);
    await subscriber.connect();
    const files = writeTestKiosk(dir, { brokerUrl: broker.url, scenario: { scenarioVersion: 1, passes: null, idleMs: 0, items: fourItems } });
    const kiosk = startKiosk(files.configFile);
    await subscriber.waitForEvents((all) => all.filter((e) => e.type.startsWith('deposit.')).length >= 3, 'three deposits');
    kiosk.kill('SIGTERM');
    const { code } = await kiosk.exited;
    expect(code).toBe(0);
    // Flushed: the broker took every event before the process exited (the subscriber saw each seq once).
    const counts = outboxCounts(files.storeFile);
    await waitFor(() => subscriber?.events().length === counts.lastSeq, { description: 'every stored event delivered' });
    expect(subscriber.events().map((e) => e.seq)).toEqual(Array.from({ length: counts.lastSeq }, (_, i) => i + 1));
    const lastStatus = await waitFor(() => subscriber?.statuses().at(-1)?.online === false && subscriber.statuses().at(-1), {
      description: 'offline status',
    });
    expect(lastStatus.online).toBe(false);
  });
});

import BetterSqlite3 from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ingest } from '../../src/fleet/ingest.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { topicFor } from '../../src/protocol/topics.js';
import { Broker } from '../support/mosquitto.js';
import { startSyncStack, type SyncStack } from '../support/sync-stack.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';

const DEVICE = 'kiosk-backpressure-01';
const EVENTS = 3000;

describe('the reference ingest when its writer falls behind (real mosquitto)', () => {
  let dir: TempDir;
  let broker: Broker;
  let ingest: Ingest | undefined;
  let stack: SyncStack | undefined;
  let observer: mqtt.MqttClient | undefined;
  let lock: BetterSqlite3.Database | undefined;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(async () => {
    if (lock?.inTransaction) lock.exec('ROLLBACK');
    lock?.close();
    await stack?.stop();
    await observer?.endAsync();
    await ingest?.stop();
    await broker?.stop();
    dir.remove();
  });

  it('stops taking messages past maxQueuedBytes, so the broker keeps them, and stores every event once the writer goes on', async () => {
    broker = await Broker.create();
    await broker.start();
    ingest = await Ingest.start({ url: broker.url, storePath: dir.file('ingest.db'), logger: createSilentLogger(), consumers: 1, maxQueuedBytes: 40_000 });
    // Another connection holds the write lock: the writer thread's first commit waits for it (up to its 5 s busy timeout).
    lock = new BetterSqlite3(dir.file('ingest.db'));
    lock.exec('BEGIN IMMEDIATE');
    // Sees every message the broker hands out on the kiosk's topic, the ingest's included.
    observer = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    let observed = 0;
    observer.on('message', () => {
      observed += 1;
    });
    await observer.subscribeAsync(topicFor('events', DEVICE), { qos: 1 });

    stack = startSyncStack({
      storeFile: dir.file('kiosk.db'),
      brokerUrl: broker.url,
      deviceId: DEVICE,
      // Small messages (about 15 kB), nothing held back by the kiosk; resent after 3 s if a commit failed meanwhile.
      sync: { batchMaxEvents: 50, unackedMaxEvents: 100_000, ackTimeoutMs: 3000, backlog: { eventsPerSecond: 0, startJitterMs: 0 } },
    });
    stack.append(EVENTS);

    await waitFor(() => ingest!.stats().pauses >= 1, { description: 'consumers paused', timeoutMs: 3000 });
    const taken = ingest.stats().messages;
    // The broker has handed out at least ten messages more since (the observer has them): the paused consumer took none.
    await waitFor(() => observed >= taken + 10, { description: 'ten more messages dispatched', timeoutMs: 3000 });
    await observer.publishAsync('test/ping', 'x', { qos: 1 });
    expect(ingest.stats().messages).toBe(taken);

    lock.exec('ROLLBACK');
    await waitFor(() => stack!.store.stats().total === 0, { description: 'every event acknowledged', timeoutMs: 30_000 });
    expect(ingest.progress(DEVICE)).toMatchObject({ ackedSeq: EVENTS, events: EVENTS, gaps: [] });
    expect(ingest.stats().messages).toBeGreaterThan(taken);
  });
});

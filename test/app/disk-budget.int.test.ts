import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fillOutbox } from '../../scripts/bench/outbox-fill.js';
import { Ingest } from '../../src/fleet/ingest.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { openDatabase } from '../../src/store/database.js';
import { TelemetryStore } from '../../src/store/telemetry-store.js';
import { KioskProcess } from '../support/kiosk-process.js';
import { writeTestKiosk } from '../support/kiosk-config.js';
import { Broker } from '../support/mosquitto.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';
import { readOutbox as outbox } from '../support/outbox-file.js';

const DEVICE = 'kiosk-budget-0001';
const BACKLOG = 2500;

describe('disk budget reached (real SQLite file, compiled runtime, real mosquitto)', () => {
  let dir: TempDir;
  let broker: Broker;
  let ingest: Ingest | undefined;
  let kiosk: KioskProcess | undefined;
  beforeEach(async () => {
    dir = makeTempDir();
    broker = await Broker.create({ persistence: true });
  });
  afterEach(async () => {
    await kiosk?.dispose();
    await ingest?.stop();
    await broker.dispose();
    dir.remove();
  });

  it('thins telemetry first, then refuses items with the reason, loses no event, and takes items again once the backend has them', async () => {
    const files = writeTestKiosk(dir, {
      brokerUrl: broker.url,
      deviceId: DEVICE,
      scenario: { scenarioVersion: 1, passes: 1, idleMs: 0, items: [{ label: 'cardboard', confidence: 0.93, weightGrams: 300 }, { label: 'paper', confidence: 0.9, weightGrams: 90 }] },
      overrides: { store: { path: dir.file('data/kiosk.db'), budgetBytes: 1024 * 1024, reserveFreeBytes: 0 } },
    });
    // Days offline: a backlog of deposits past the budget, and telemetry samples beside it.
    fillOutbox(files.storeFile, DEVICE, BACKLOG);
    const db = openDatabase(files.storeFile, createSilentLogger());
    const telemetry = new TelemetryStore(db);
    // Only the rows matter here (what thinning drops), not a full sample.
    const sample = JSON.parse('{"schema":"kiosk.telemetry/1","time":"2026-11-30T10:00:00.000Z"}') as never;
    for (let i = 0; i < 100; i += 1) telemetry.append(() => sample);
    db.close();

    kiosk = new KioskProcess(files.configFile);
    const paused = await kiosk.waitForLog('intake paused: the kiosk takes no items');
    expect(paused.reason).toBe('storage-budget');
    await kiosk.waitForLog('storage budget: telemetry thinned');
    const whilePaused = outbox(files.storeFile);
    expect(whilePaused.telemetry).toBe(0);
    expect(whilePaused.telemetryDropped).toBe(100);
    // Every event is still there; the start was recorded; no item was taken.
    expect(whilePaused.held).toBe(whilePaused.lastSeq);
    expect(whilePaused.deposits).toBe(BACKLOG);

    // The backend comes back: acknowledgements free the space, intake reopens, the waiting items are taken.
    await broker.start();
    ingest = await Ingest.start({ url: broker.url, storePath: dir.file('ingest.db'), logger: createSilentLogger(), consumers: 1 });
    await kiosk.waitForLog('intake resumed', 60_000);
    await kiosk.waitForLog('scenario finished', 30_000);
    const { lastSeq } = outbox(files.storeFile);
    await waitFor(() => ingest?.progress(DEVICE).ackedSeq === lastSeq, { description: `all ${lastSeq} events at the backend`, timeoutMs: 60_000 });
    const stored = ingest.store.eventsOf(DEVICE);
    expect(stored.map((event) => event.seq)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    expect(stored.filter((event) => event.type.startsWith('deposit.')).length).toBe(BACKLOG + 2);
  });
});

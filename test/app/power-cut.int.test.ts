import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ingest } from '../../src/fleet/ingest.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { KioskProcess } from '../support/kiosk-process.js';
import { defaultConfigDocument, writeTestKiosk, type TestKioskFiles } from '../support/kiosk-config.js';
import { Broker } from '../support/mosquitto.js';
import { seededRandom } from '../../src/ops/seeded-random.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';
import { readOutbox as kioskOutbox } from '../support/outbox-file.js';

const DEVICE = 'kiosk-powercut-0001';
const CYCLES = 20;
const DEPOSITS = 1000;
const SEED = 20261201;

const items = [
  { label: 'cardboard', confidence: 0.93, weightGrams: 300 },
  { label: 'plastic', confidence: 0.9, weightGrams: 40 },
  { label: 'glass', confidence: 0.97, weightGrams: 450 },
  { label: 'paper', confidence: 0.3, weightGrams: 90 },
];

describe('power cuts: the kiosk process SIGKILLed at random points while deposits flow', () => {
  let dir: TempDir;
  let broker: Broker;
  let ingest: Ingest | undefined;
  let kiosk: KioskProcess | undefined;

  beforeEach(async () => {
    dir = makeTempDir();
    broker = await Broker.create({ persistence: true });
    await broker.start();
  });
  afterEach(async () => {
    await kiosk?.dispose();
    await ingest?.stop();
    await broker.dispose();
    dir.remove();
  });

  it(`ends with every seq exactly once at the ingest, in order, nothing missing, after ${CYCLES} kills over ${DEPOSITS} deposits`, async () => {
    ingest = await Ingest.start({ url: broker.url, storePath: dir.file('ingest.db'), logger: createSilentLogger(), consumers: 2 });
    const files: TestKioskFiles = writeTestKiosk(dir, {
      brokerUrl: broker.url,
      deviceId: DEVICE,
      scenario: { scenarioVersion: 1, passes: null, idleMs: 0, items },
      overrides: {
        // A camera at 60 frames a second: a fresh frame comes sooner, so the deposits come faster.
        hardware: { ...defaultConfigDocument().hardware, scale: { kind: 'simulated', readingIntervalMs: 5, noiseGrams: 0.1 }, camera: { kind: 'simulated', fps: 60 } },
        sync: { ackTimeoutMs: 2000 },
      },
    });
    const random = seededRandom(SEED);
    const kills: Array<{ cycle: number; lastSeq: number; held: number }> = [];
    for (let cycle = 1; cycle <= CYCLES; cycle += 1) {
      const before = cycle === 1 ? 0 : kioskOutbox(files.storeFile).lastSeq;
      // Each cycle writes a random share of the deposits, then dies a random moment later: mid-deposit,
      // mid-publish or between PUBACK and acknowledgement, wherever the moment falls.
      const target = before + Math.round((DEPOSITS / CYCLES) * (0.5 + random()));
      kiosk = new KioskProcess(files.configFile);
      const reached = (): boolean => {
        try {
          return kioskOutbox(files.storeFile).lastSeq >= target;
        } catch {
          return false; // the first start has not created the file yet
        }
      };
      const running = kiosk;
      await waitFor(reached, { timeoutMs: 60_000, intervalMs: 10, description: `cycle ${cycle}: seq ${target}` }).catch((error: unknown) => {
        const tail = running.logs.slice(-15).map((line) => JSON.stringify(line)).join('\n');
        throw new Error(`${(error as Error).message}\nstderr: ${running.stderr.slice(-300)}\nlast logs:\n${tail}`);
      });
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 150)));
      kiosk.kill('SIGKILL');
      const exit = await kiosk.exited;
      expect(exit.signal).toBe('SIGKILL');
      kills.push({ cycle, ...kioskOutbox(files.storeFile) });
    }
    // The last run is not killed: it writes what is missing of the deposits, then drains until the backend has it all.
    kiosk = new KioskProcess(files.configFile);
    await kiosk.waitForLog('kiosk started');
    const ingested = (): number => ingest?.store.eventsOf(DEVICE).filter((event) => event.type.startsWith('deposit.')).length ?? 0;
    await waitFor(() => ingested() >= DEPOSITS, { description: `${DEPOSITS} deposits stored at the ingest`, timeoutMs: 120_000, intervalMs: 100 });
    kiosk.kill('SIGTERM');
    expect((await kiosk.exited).code).toBe(0);
    const { lastSeq } = kioskOutbox(files.storeFile);
    kiosk = new KioskProcess(files.configFile);
    await kiosk.waitForLog('kiosk started');
    // The restarted kiosk wrote its own kiosk.started (and may take more items): everything up to it must be acknowledged.
    await waitFor(() => (ingest?.progress(DEVICE).ackedSeq ?? 0) >= lastSeq, { description: `watermark at ${lastSeq}`, timeoutMs: 60_000 });

    const stored = ingest.store.eventsOf(DEVICE).filter((event) => event.seq <= lastSeq);
    expect(stored.map((event) => event.seq)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    const progress = ingest.progress(DEVICE);
    expect(progress.conflicts).toBe(0);
    expect(progress.gaps).toEqual([]);
    // One start per killed cycle, plus the run stopped with SIGTERM.
    expect(stored.filter((event) => event.type === 'kiosk.started').length).toBe(CYCLES + 1);
    expect(stored.filter((event) => event.type.startsWith('deposit.')).length).toBeGreaterThanOrEqual(DEPOSITS);
    // Each event's body at the ingest is the kiosk's: seq inside equals seq of the row.
    for (const event of stored) expect((JSON.parse(event.body) as { seq: number }).seq).toBe(event.seq);
    expect(kills).toHaveLength(CYCLES);
  }, 600_000);
});

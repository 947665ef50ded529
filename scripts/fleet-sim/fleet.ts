/**
 * N virtual kiosks in one process against one broker, optionally with a
 * fleet-wide broker outage in the middle, and the reference ingest as the
 * backend. The verdict compares what every kiosk wrote with what the ingest
 * stored: no loss (every seq of every kiosk, contiguous) and no duplicates
 * (one stored row per (deviceId, seq); repeats on the wire are counted and dropped).
 */
import { join } from 'node:path';
import { Ingest } from '../../src/fleet/ingest.js';
import type { Logger } from '../../src/ops/logger.js';
import { VirtualKiosk } from './virtual-kiosk.js';

export interface FleetOptions {
  brokerUrl: string;
  dir: string;
  kiosks: number;
  /** Deposits each kiosk writes over the run. */
  depositsPerKiosk: number;
  /** How long the deposits are spread over. */
  durationMs: number;
  logger: Logger;
  /** Called once, half-way through: e.g. stop the broker and start it again (a fleet-wide outage). */
  midway?: () => Promise<void>;
  /** Connection pacing of every kiosk (full-jitter backoff). */
  reconnect?: { initialMs: number; maxMs: number };
  /** Longest wait, after the last deposit, for the ingest to acknowledge everything. */
  settleTimeoutMs?: number;
  /** Use this ingest instead of starting one in-process. */
  ingest?: Ingest;
  onProgress?: (line: string) => void;
}

export interface FleetVerdict {
  kiosks: number;
  eventsWritten: number;
  eventsStored: number;
  duplicatesDropped: number;
  lossFree: boolean;
  duplicateFree: boolean;
  /** Kiosks whose stored events are not exactly 1..lastSeq. */
  bad: Array<{ deviceId: string; lastSeq: number; ackedSeq: number; gaps: Array<[number, number]> }>;
  connectSpreadMs: number;
  seconds: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runFleet(options: FleetOptions): Promise<FleetVerdict> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => undefined);
  const ingest = options.ingest ?? (await Ingest.start({ url: options.brokerUrl, storePath: join(options.dir, 'ingest.db'), logger: options.logger, consumers: 4 }));
  const kiosks: VirtualKiosk[] = [];
  const connectedAt: number[] = [];
  try {
    for (let n = 0; n < options.kiosks; n += 1) {
      const deviceId = `sim-${String(n).padStart(5, '0')}`;
      const kiosk = new VirtualKiosk({
        deviceId,
        storeFile: join(options.dir, `${deviceId}.db`),
        brokerUrl: options.brokerUrl,
        logger: options.logger,
        reconnect: options.reconnect ?? { initialMs: 1000, maxMs: 30_000 },
      });
      kiosk.uplink.once('connected', () => connectedAt.push(performance.now()));
      kiosks.push(kiosk);
      kiosk.start();
    }
    progress(`${kiosks.length} kiosks started`);
    // Deposits at random moments over the run, every kiosk its own.
    const total = options.kiosks * options.depositsPerKiosk;
    const schedule = Array.from({ length: total }, (_, i) => ({ at: Math.random() * options.durationMs, kiosk: kiosks[i % kiosks.length]! })).sort((a, b) => a.at - b.at);
    const t0 = performance.now();
    let midwayDone = options.midway === undefined;
    for (const { at, kiosk } of schedule) {
      const wait = at - (performance.now() - t0);
      if (wait > 0) await sleep(wait);
      if (!midwayDone && at > options.durationMs / 2) {
        midwayDone = true;
        progress('midway: outage');
        await options.midway!();
        progress('midway: back');
      }
      kiosk.deposit();
    }
    if (!midwayDone) await options.midway!();
    progress(`${total} deposits written; waiting for the ingest to acknowledge everything`);
    const deadline = performance.now() + (options.settleTimeoutMs ?? 120_000);
    const pending = (): VirtualKiosk[] => kiosks.filter((kiosk) => ingest.progress(kiosk.options.deviceId).ackedSeq < kiosk.lastSeq);
    for (let left = pending(); left.length > 0; left = pending()) {
      if (performance.now() > deadline) break;
      progress(`${left.length} kiosks not fully acknowledged yet`);
      await sleep(500);
    }
    const bad: FleetVerdict['bad'] = [];
    let written = 0;
    let stored = 0;
    let duplicates = 0;
    for (const kiosk of kiosks) {
      const { deviceId } = kiosk.options;
      const lastSeq = kiosk.lastSeq;
      const state = ingest.progress(deviceId);
      written += lastSeq;
      stored += state.events;
      duplicates += state.duplicates;
      if (state.ackedSeq !== lastSeq || state.events !== lastSeq || state.gaps.length > 0 || state.conflicts > 0) bad.push({ deviceId, lastSeq, ackedSeq: state.ackedSeq, gaps: state.gaps });
    }
    const spread = connectedAt.length > 1 ? Math.max(...connectedAt) - Math.min(...connectedAt) : 0;
    return {
      kiosks: kiosks.length,
      eventsWritten: written,
      eventsStored: stored,
      duplicatesDropped: duplicates,
      lossFree: bad.every((entry) => entry.ackedSeq >= entry.lastSeq) && stored >= written,
      duplicateFree: stored === written,
      bad,
      connectSpreadMs: Math.round(spread),
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    for (const kiosk of kiosks) await kiosk.stop().catch(() => undefined);
    if (!options.ingest) await ingest.stop();
  }
}

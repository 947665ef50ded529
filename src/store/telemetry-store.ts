import type { Database, Statement } from 'better-sqlite3';
import { ErrorCode, KioskError } from '../ops/errors.js';
import type { TelemetrySample } from '../protocol/telemetry.js';
import { withRelaxedDurability } from './durability.js';

export interface TelemetryEntry {
  tseq: number;
  body: string;
}

/**
 * Telemetry samples waiting to be published (schema version 3, table
 * `telemetry`). Apart from the events outbox on purpose: samples are
 * group-committed (synchronous=NORMAL, see durability.ts), deleted on the
 * broker's PUBACK rather than the backend's acknowledgement, and thinned
 * first when the disk budget is reached. Their own counter `tseq` means a
 * thinned sample never leaves a gap in the event seq the backend checks.
 */
export class TelemetryStore {
  private readonly nextTseq: Statement<[], { value: number }>;
  private readonly insert: Statement<[number, string, string]>;
  private readonly selectPending: Statement<[number, number], TelemetryEntry>;
  private readonly deleteThrough: Statement<[number]>;
  private readonly count: Statement<[], { n: number }>;
  private readonly thinOldest: Statement<[number]>;
  private readonly addDropped: Statement<[number]>;
  private readonly selectDropped: Statement<[], { value: number }>;

  constructor(private readonly db: Database) {
    this.nextTseq = db.prepare("UPDATE meta SET value = value + 1 WHERE key = 'telemetry_seq' RETURNING value");
    this.insert = db.prepare('INSERT INTO telemetry (tseq, body, created_at) VALUES (?, ?, ?)');
    this.selectPending = db.prepare('SELECT tseq, body FROM telemetry WHERE tseq > ? ORDER BY tseq LIMIT ?');
    this.deleteThrough = db.prepare('DELETE FROM telemetry WHERE tseq <= ?');
    this.count = db.prepare('SELECT count(*) AS n FROM telemetry');
    // Every second sample among the oldest `?` rows: history keeps its span and loses resolution, the newest samples stay whole.
    this.thinOldest = db.prepare(
      'DELETE FROM telemetry WHERE tseq IN (SELECT tseq FROM (SELECT tseq, row_number() OVER (ORDER BY tseq) AS n FROM telemetry) WHERE n % 2 = 0 AND n <= ?)',
    );
    this.addDropped = db.prepare("UPDATE meta SET value = value + ? WHERE key = 'telemetry_dropped'");
    this.selectDropped = db.prepare("SELECT value FROM meta WHERE key = 'telemetry_dropped'");
  }

  /** Stores the sample `build` makes with the next tseq (group-committed, not fsync'd on its own). */
  append(build: (tseq: number) => TelemetrySample): TelemetrySample {
    try {
      return withRelaxedDurability(this.db, () =>
        this.db.transaction(() => {
          const tseq = this.nextTseq.get()?.value;
          if (tseq === undefined) throw new Error('telemetry counter missing from meta table');
          const sample = build(tseq);
          this.insert.run(tseq, JSON.stringify(sample), sample.time);
          return sample;
        })(),
      );
    } catch (error) {
      throw new KioskError(ErrorCode.StoreFault, `cannot write telemetry: ${(error as Error).message}`, {}, { cause: error });
    }
  }

  /** Samples with tseq > afterTseq in order, up to `limit` rows and about `maxBytes` bytes (always at least one). */
  pending(afterTseq: number, limit: number, maxBytes: number): TelemetryEntry[] {
    const entries: TelemetryEntry[] = [];
    let bytes = 0;
    for (const row of this.selectPending.all(afterTseq, limit)) {
      const size = Buffer.byteLength(row.body);
      if (entries.length > 0 && bytes + size > maxBytes) break;
      entries.push(row);
      bytes += size;
    }
    return entries;
  }

  /** The broker took every sample up to `tseq`. */
  remove(tseq: number): void {
    withRelaxedDurability(this.db, () => this.deleteThrough.run(tseq));
  }

  get size(): number {
    return this.count.get()?.n ?? 0;
  }

  /** Samples dropped by thinning since the counter began (never reset). */
  get dropped(): number {
    return this.selectDropped.get()?.value ?? 0;
  }

  /**
   * Drops every second sample of the older half (all of them when two or fewer
   * are left) and counts the drops. Returns how many were dropped.
   */
  thin(): number {
    const held = this.size;
    if (held === 0) return 0;
    return withRelaxedDurability(this.db, () =>
      this.db.transaction(() => {
        const dropped = held <= 2 ? this.db.prepare('DELETE FROM telemetry').run().changes : this.thinOldest.run(Math.ceil(held / 2)).changes;
        this.addDropped.run(dropped);
        return dropped;
      })(),
    );
  }
}

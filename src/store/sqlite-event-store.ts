import { EventEmitter } from 'node:events';
import type { Database, Statement } from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import type { Clock } from '../ops/clock.js';
import type { Logger } from '../ops/logger.js';
import { ErrorCode, KioskError } from '../ops/errors.js';
import { EVENT_SCHEMA, type EventDraft, type KioskEvent } from '../protocol/events.js';
import { withRelaxedDurability } from './durability.js';
import type { EventStore, EventStoreEvents, OutboxEntry, OutboxStats } from './event-store.js';
import { OutboxSegments, type OutboxSegmentSizes } from './outbox-segments.js';

export class SqliteEventStore extends EventEmitter<EventStoreEvents> implements EventStore {
  private readonly nextSeq: Statement<[], { value: number }>;
  private readonly selectMeta: Statement<[string], { value: number }>;
  private readonly raiseAcked: Statement<[number, number]>;
  private readonly appendTx: (draft: EventDraft) => KioskEvent;
  /** The outbox's segment tables (outbox-segments.ts): pruning drops whole segments. */
  private readonly segments: OutboxSegments;

  constructor(
    private readonly db: Database,
    private readonly deviceId: string,
    private readonly clock: Clock,
    private readonly logger?: Logger,
    segmentSizes: OutboxSegmentSizes = {},
  ) {
    super();
    this.nextSeq = db.prepare("UPDATE meta SET value = value + 1 WHERE key = 'last_seq' RETURNING value");
    this.selectMeta = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.raiseAcked = db.prepare("UPDATE meta SET value = ? WHERE key = 'acked_seq' AND value < ?");
    this.segments = new OutboxSegments(db, segmentSizes);
    // The counter and the row commit together: a seq is never given out without its event, nor reused.
    this.appendTx = db.transaction((draft: EventDraft): KioskEvent => {
      const row = this.nextSeq.get();
      if (!row) throw new KioskError(ErrorCode.StoreFault, 'sequence counter missing from meta table');
      const event = {
        schema: EVENT_SCHEMA,
        id: uuidv7(),
        deviceId: this.deviceId,
        seq: row.value,
        bootId: this.clock.bootId,
        time: this.clock.wallNow().toISOString(),
        uptimeMs: this.clock.uptimeMs(),
        type: draft.type,
        payload: draft.payload,
      } as KioskEvent;
      this.segments.forAppend(event.seq).insert.run(event.seq, event.id, event.type, JSON.stringify(event), event.time);
      return event;
    });
  }

  append(draft: EventDraft): KioskEvent {
    let event: KioskEvent;
    try {
      event = this.appendTx(draft);
    } catch (error) {
      this.segments.reload();
      if (error instanceof KioskError) throw error;
      throw new KioskError(ErrorCode.StoreFault, `cannot write event: ${(error as Error).message}`, { type: draft.type }, { cause: error });
    }
    this.announce(event);
    return event;
  }

  eraseThrough(throughSeq: number, details: { reason: 'factory-reset'; technician: string | null }): Extract<KioskEvent, { type: 'outbox.erased' }> {
    let event: KioskEvent;
    this.db.pragma('secure_delete = ON');
    try {
      event = this.db.transaction((): KioskEvent => {
        // The backend has everything up to its watermark; what it may lack starts after it.
        const fromSeq = this.meta('acked_seq') + 1;
        const through = Math.min(throughSeq, this.meta('last_seq'));
        // Rows at or below the watermark are pruning's (the backend has them); only the others count as erased.
        let erased = 0;
        for (const first of this.segments.overlapping(fromSeq - 1, through)) erased += this.segments.of(first).deleteRange.run(fromSeq - 1, through).changes;
        return this.appendTx({ type: 'outbox.erased', payload: { fromSeq, throughSeq: through, erased, ...details } });
      })();
    } catch (error) {
      this.segments.reload();
      throw new KioskError(ErrorCode.StoreFault, `cannot erase the outbox: ${(error as Error).message}`, { throughSeq }, { cause: error });
    } finally {
      this.db.pragma('secure_delete = OFF');
    }
    this.announce(event);
    return event as Extract<KioskEvent, { type: 'outbox.erased' }>;
  }

  private announce(event: KioskEvent): void {
    try {
      this.emit('appended', event);
    } catch (error) {
      // The event is committed whatever a listener does; one listener's bug must not look like a store failure.
      this.logger?.error({ err: error, seq: event.seq }, 'appended listener failed');
    }
  }

  pending(afterSeq: number, limit: number, maxBytes: number): OutboxEntry[] {
    const rows: Array<[number, string]> = [];
    // Rows above afterSeq start in its segment and may run on into the next ones.
    for (const first of this.segments.from(afterSeq + 1)) {
      if (rows.length >= limit) break;
      for (const row of this.segments.of(first).pendingAfter.all(afterSeq, limit - rows.length)) rows.push(row);
    }
    const entries: OutboxEntry[] = [];
    let bytes = 0;
    for (const [seq, body] of rows) {
      const size = Buffer.byteLength(body);
      if (entries.length > 0 && bytes + size > maxBytes) break;
      entries.push({ seq, body });
      bytes += size;
    }
    return entries;
  }

  acknowledge(ackedSeq: number, pruneMaxRows = Number.MAX_SAFE_INTEGER): number {
    const lastSeq = this.meta('last_seq');
    // A watermark beyond anything given out is the backend's mistake (or a replaced database): never delete on it.
    if (ackedSeq > lastSeq) {
      this.logger?.warn({ ackedSeq, lastSeq }, 'acknowledgement beyond the last seq given out; ignored');
      return 0;
    }
    if (ackedSeq <= this.meta('acked_seq')) return 0;
    try {
      // Losing this commit in a power cut only means the rows are sent and acknowledged once more.
      return withRelaxedDurability(this.db, () =>
        this.db.transaction(() => {
          this.raiseAcked.run(ackedSeq, ackedSeq);
          return pruneMaxRows > 0 ? this.pruneStep(ackedSeq, pruneMaxRows) : 0;
        })(),
      );
    } catch (error) {
      this.segments.reload();
      throw new KioskError(ErrorCode.StoreFault, `cannot apply acknowledgement: ${(error as Error).message}`, { ackedSeq }, { cause: error });
    }
  }

  prune(maxRows: number): number {
    try {
      // Rows at or below the watermark are never read again; deleting them late (or twice) is harmless.
      return withRelaxedDurability(this.db, () => this.db.transaction(() => this.pruneStep(this.meta('acked_seq'), maxRows))());
    } catch (error) {
      this.segments.reload();
      throw new KioskError(ErrorCode.StoreFault, `cannot prune acknowledged events: ${(error as Error).message}`, {}, { cause: error });
    }
  }

  /**
   * Removes up to about maxRows acknowledged rows: whole segments below the newest once all their seqs are acknowledged
   * (a segment the watermark is inside keeps its rows until it passes), then rows of the newest segment.
   */
  private pruneStep(ackedSeq: number, maxRows: number): number {
    let removed = 0;
    while (removed < maxRows && this.segments.list.length > 1 && this.segments.lastSeqOf(0) <= ackedSeq) removed += this.segments.drop(this.segments.list[0]!);
    const newest = this.segments.newest;
    if (removed < maxRows && this.segments.list.length === 1 && newest !== undefined) {
      removed += this.segments.of(newest).deleteThrough.run(ackedSeq, maxRows - removed).changes;
    }
    return removed;
  }

  stats(): OutboxStats {
    const ackedSeq = this.meta('acked_seq');
    const lastSeq = this.meta('last_seq');
    const oldest = this.oldestHeld(ackedSeq);
    const total = oldest ? lastSeq - oldest.seq + 1 : 0;
    return { total, unsent: total, oldestUnsentTime: oldest?.created_at ?? null, lastSeq, ackedSeq };
  }

  /**
   * The lowest held seq: an index seek in (usually) one segment. Rows above the watermark are contiguous (appends take
   * the next seq; rows only ever leave from the low end: pruning, a factory reset's erasure), so it and last_seq give
   * the count without a count(*), which would read every page of a large backlog.
   */
  private oldestHeld(ackedSeq: number): { seq: number; created_at: string } | undefined {
    for (const first of this.segments.from(ackedSeq + 1)) {
      const row = this.segments.of(first).oldestAfter.get(ackedSeq);
      if (row) return row;
    }
    return undefined;
  }

  private meta(key: string): number {
    return this.selectMeta.get(key)?.value ?? 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

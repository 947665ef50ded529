import { EventEmitter } from 'node:events';
import type { Database, Statement } from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import type { Clock } from '../ops/clock.js';
import type { Logger } from '../ops/logger.js';
import { ErrorCode, KioskError } from '../ops/errors.js';
import { EVENT_SCHEMA, type EventDraft, type KioskEvent } from '../protocol/events.js';
import { withRelaxedDurability } from './durability.js';
import type { EventStore, EventStoreEvents, OutboxEntry, OutboxStats } from './event-store.js';

type PendingRow = [seq: number, body: string];

export class SqliteEventStore extends EventEmitter<EventStoreEvents> implements EventStore {
  private readonly nextSeq: Statement<[], { value: number }>;
  private readonly insert: Statement<[number, string, string, string, string]>;
  private readonly selectPending: Statement<[number, number], PendingRow>;
  private readonly selectMeta: Statement<[string], { value: number }>;
  private readonly raiseAcked: Statement<[number, number]>;
  private readonly deleteAcked: Statement<[number, number]>;
  private readonly selectOldestHeld: Statement<[number], { seq: number; created_at: string }>;
  private readonly appendTx: (draft: EventDraft) => KioskEvent;
  private readonly eraseRows: Statement<[number, number]>;

  constructor(
    private readonly db: Database,
    private readonly deviceId: string,
    private readonly clock: Clock,
    private readonly logger?: Logger,
  ) {
    super();
    this.nextSeq = db.prepare("UPDATE meta SET value = value + 1 WHERE key = 'last_seq' RETURNING value");
    this.insert = db.prepare('INSERT INTO outbox (seq, id, type, body, created_at) VALUES (?, ?, ?, ?, ?)');
    // Rows as arrays: better-sqlite3 builds a keyed object per row through V8's slow path; the drain reads a backlog with this.
    this.selectPending = db.prepare<[number, number], PendingRow>('SELECT seq, body FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?').raw();
    this.selectMeta = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.raiseAcked = db.prepare("UPDATE meta SET value = ? WHERE key = 'acked_seq' AND value < ?");
    // The lowest seqs first, bounded: a large acknowledgement is pruned in steps that each hold the database briefly.
    this.deleteAcked = db.prepare('DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE seq <= ? ORDER BY seq LIMIT ?)');
    // The lowest held seq: one index seek. Rows above the watermark are contiguous (appends take the next seq; rows
    // only ever leave from the low end: pruning, a factory reset's erasure), so it and last_seq give the count without
    // a count(*), which would read every page of a large backlog.
    this.selectOldestHeld = db.prepare('SELECT seq, created_at FROM outbox WHERE seq > ? ORDER BY seq LIMIT 1');
    this.eraseRows = db.prepare('DELETE FROM outbox WHERE seq > ? AND seq <= ?');
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
      this.insert.run(event.seq, event.id, event.type, JSON.stringify(event), event.time);
      return event;
    });
  }

  append(draft: EventDraft): KioskEvent {
    let event: KioskEvent;
    try {
      event = this.appendTx(draft);
    } catch (error) {
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
        const erased = this.eraseRows.run(fromSeq - 1, through).changes;
        return this.appendTx({ type: 'outbox.erased', payload: { fromSeq, throughSeq: through, erased, ...details } });
      })();
    } catch (error) {
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
    const rows = this.selectPending.all(afterSeq, limit);
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
          return pruneMaxRows > 0 ? this.deleteAcked.run(ackedSeq, pruneMaxRows).changes : 0;
        })(),
      );
    } catch (error) {
      throw new KioskError(ErrorCode.StoreFault, `cannot apply acknowledgement: ${(error as Error).message}`, { ackedSeq }, { cause: error });
    }
  }

  prune(maxRows: number): number {
    try {
      // Rows at or below the watermark are never read again; deleting them late (or twice) is harmless.
      return withRelaxedDurability(this.db, () => this.deleteAcked.run(this.meta('acked_seq'), maxRows).changes);
    } catch (error) {
      throw new KioskError(ErrorCode.StoreFault, `cannot prune acknowledged events: ${(error as Error).message}`, {}, { cause: error });
    }
  }

  stats(): OutboxStats {
    const ackedSeq = this.meta('acked_seq');
    const lastSeq = this.meta('last_seq');
    const oldest = this.selectOldestHeld.get(ackedSeq);
    const total = oldest ? lastSeq - oldest.seq + 1 : 0;
    return { total, unsent: total, oldestUnsentTime: oldest?.created_at ?? null, lastSeq, ackedSeq };
  }

  private meta(key: string): number {
    return this.selectMeta.get(key)?.value ?? 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

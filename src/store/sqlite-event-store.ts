import { EventEmitter } from 'node:events';
import type { Database, Statement } from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import type { Clock } from '../ops/clock.js';
import type { Logger } from '../ops/logger.js';
import { ErrorCode, KioskError } from '../ops/errors.js';
import { EVENT_SCHEMA, type EventDraft, type KioskEvent } from '../protocol/events.js';
import { withRelaxedDurability } from './durability.js';
import type { EventStore, EventStoreEvents, OutboxEntry, OutboxStats } from './event-store.js';

interface PendingRow {
  seq: number;
  body: string;
}

export class SqliteEventStore extends EventEmitter<EventStoreEvents> implements EventStore {
  private readonly nextSeq: Statement<[], { value: number }>;
  private readonly insert: Statement<[number, string, string, string, string]>;
  private readonly selectPending: Statement<[number, number], PendingRow>;
  private readonly selectMeta: Statement<[string], { value: number }>;
  private readonly raiseAcked: Statement<[number, number]>;
  private readonly deleteAcked: Statement<[number]>;
  private readonly selectCounts: Statement<[], { total: number; oldest: string | null }>;
  private readonly appendTx: (draft: EventDraft) => KioskEvent;

  constructor(
    private readonly db: Database,
    private readonly deviceId: string,
    private readonly clock: Clock,
    private readonly logger?: Logger,
  ) {
    super();
    this.nextSeq = db.prepare("UPDATE meta SET value = value + 1 WHERE key = 'last_seq' RETURNING value");
    this.insert = db.prepare('INSERT INTO outbox (seq, id, type, body, created_at) VALUES (?, ?, ?, ?, ?)');
    this.selectPending = db.prepare('SELECT seq, body FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?');
    this.selectMeta = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.raiseAcked = db.prepare("UPDATE meta SET value = ? WHERE key = 'acked_seq' AND value < ?");
    this.deleteAcked = db.prepare('DELETE FROM outbox WHERE seq <= ?');
    // The oldest row is the one with the lowest seq: one index lookup, whatever the table holds.
    this.selectCounts = db.prepare('SELECT count(*) AS total, (SELECT created_at FROM outbox ORDER BY seq LIMIT 1) AS oldest FROM outbox');
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
    try {
      this.emit('appended', event);
    } catch (error) {
      // The event is committed whatever a listener does; one listener's bug must not look like a store failure.
      this.logger?.error({ err: error, seq: event.seq }, 'appended listener failed');
    }
    return event;
  }

  pending(afterSeq: number, limit: number, maxBytes: number): OutboxEntry[] {
    const rows = this.selectPending.all(afterSeq, limit);
    const entries: OutboxEntry[] = [];
    let bytes = 0;
    for (const row of rows) {
      const size = Buffer.byteLength(row.body);
      if (entries.length > 0 && bytes + size > maxBytes) break;
      entries.push(row);
      bytes += size;
    }
    return entries;
  }

  acknowledge(ackedSeq: number): number {
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
          return this.deleteAcked.run(ackedSeq).changes;
        })(),
      );
    } catch (error) {
      throw new KioskError(ErrorCode.StoreFault, `cannot apply acknowledgement: ${(error as Error).message}`, { ackedSeq }, { cause: error });
    }
  }

  stats(): OutboxStats {
    const counts = this.selectCounts.get() ?? { total: 0, oldest: null };
    return { total: counts.total, unsent: counts.total, oldestUnsentTime: counts.oldest, lastSeq: this.meta('last_seq'), ackedSeq: this.meta('acked_seq') };
  }

  private meta(key: string): number {
    return this.selectMeta.get(key)?.value ?? 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

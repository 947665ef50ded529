import { EventEmitter } from 'node:events';
import type { Database, Statement } from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import type { Clock } from '../ops/clock.js';
import type { Logger } from '../ops/logger.js';
import { ErrorCode, KioskError } from '../ops/errors.js';
import { EVENT_SCHEMA, type EventDraft, type KioskEvent } from '../protocol/events.js';
import type { EventStore, EventStoreEvents, OutboxEntry, OutboxStats } from './event-store.js';

interface PendingRow {
  seq: number;
  body: string;
}

export class SqliteEventStore extends EventEmitter<EventStoreEvents> implements EventStore {
  private readonly nextSeq: Statement<[], { value: number }>;
  private readonly insert: Statement<[number, string, string, string, string]>;
  private readonly selectPending: Statement<[number, number], PendingRow>;
  private readonly updateSent: Statement<[string, number]>;
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
    this.selectPending = db.prepare('SELECT seq, body FROM outbox WHERE sent_at IS NULL AND seq > ? ORDER BY seq LIMIT ?');
    this.updateSent = db.prepare('UPDATE outbox SET sent_at = ? WHERE seq = ? AND sent_at IS NULL');
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

  markSent(seqs: readonly number[]): void {
    const at = this.clock.wallNow().toISOString();
    this.db.transaction(() => {
      for (const seq of seqs) this.updateSent.run(at, seq);
    })();
  }

  stats(): OutboxStats {
    const counts = this.db
      .prepare('SELECT count(*) AS total, count(*) FILTER (WHERE sent_at IS NULL) AS unsent FROM outbox')
      .get() as { total: number; unsent: number };
    const oldest = this.db.prepare('SELECT created_at FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT 1').get() as
      | { created_at: string }
      | undefined;
    const last = this.db.prepare("SELECT value FROM meta WHERE key = 'last_seq'").get() as { value: number };
    return { total: counts.total, unsent: counts.unsent, oldestUnsentTime: oldest?.created_at ?? null, lastSeq: last.value };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

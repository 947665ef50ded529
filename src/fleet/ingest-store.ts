import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import type { IncomingEvent } from './batch-validator.js';

/** What the ingest knows of one device. */
export interface DeviceProgress {
  deviceId: string;
  /** Every seq 1..ackedSeq is stored: the watermark sent back to the kiosk. */
  ackedSeq: number;
  maxSeq: number;
  events: number;
  duplicates: number;
  /** Same (deviceId, seq) arrived as a different event (another id): a kiosk bug or a replaced database. */
  conflicts: number;
  /** Missing seq ranges between ackedSeq and maxSeq (inclusive bounds), at most 20. */
  gaps: Array<[number, number]>;
}

export interface StoreOutcome {
  stored: number;
  duplicates: number;
  /**
   * Watermarks to send back: devices whose watermark rose, and devices that
   * sent events already stored (they evidently missed an acknowledgement).
   */
  acks: Map<string, number>;
}

/** One validated message: the kiosk's exact payload and the events it carries. */
export interface IncomingBatch {
  deviceId: string;
  payload: string;
  events: readonly IncomingEvent[];
}

interface DeviceState {
  acked: number;
  maxSeq: number;
  /** Stored seqs above the watermark (they arrived ahead of a gap). */
  above: Set<number>;
  events: number;
  duplicates: number;
  conflicts: number;
}

/*
 * Messages are kept whole, as the kiosk sent them (its bytes, no re-encoding), and each event is indexed by
 * (device_id, seq) into its message. Index rows are small, so storing a batch costs one payload row and one
 * short row per event; a message whose events were all stored before is not kept again.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS messages (
    id          INTEGER PRIMARY KEY,
    device_id   TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    received_at TEXT    NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS events (
    device_id  TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    event_id   TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    message_id INTEGER NOT NULL REFERENCES messages (id),
    position   INTEGER NOT NULL,
    PRIMARY KEY (device_id, seq)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS devices (
    device_id  TEXT    PRIMARY KEY,
    acked_seq  INTEGER NOT NULL,
    max_seq    INTEGER NOT NULL,
    events     INTEGER NOT NULL,
    duplicates INTEGER NOT NULL,
    conflicts  INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS parked (
    id          INTEGER PRIMARY KEY,
    device_id   TEXT,
    topic       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    detail      TEXT NOT NULL,
    payload     BLOB NOT NULL,
    received_at TEXT NOT NULL
  ) STRICT;
`;

/**
 * The reference backend's store: events by (deviceId, seq), duplicates
 * dropped (and counted), and per device the highest contiguous seq stored,
 * which is what the kiosk may delete. A batch is committed (fsync'd) before
 * its watermark is published, so an acknowledged event is never only in memory.
 */
export class IngestStore {
  private readonly db: Database;
  private readonly insertMessage: Statement<[string, string, string]>;
  private readonly deleteMessage: Statement<[number | bigint]>;
  private readonly selectStoredRow: Statement<[string, number], { event_id: string; message_id: number }>;
  /** Multi-row inserts by row count, prepared once each: a message's events go in a few statements, not one each. */
  private readonly insertChunks = new Map<number, Statement<unknown[]>>();
  private readonly upsertDevice: Statement<[string, number, number, number, number, number]>;
  private readonly devices = new Map<string, DeviceState>();

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new BetterSqlite3(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
    this.insertMessage = this.db.prepare('INSERT INTO messages (device_id, payload, received_at) VALUES (?, ?, ?)');
    this.deleteMessage = this.db.prepare('DELETE FROM messages WHERE id = ?');
    this.selectStoredRow = this.db.prepare('SELECT event_id, message_id FROM events WHERE device_id = ? AND seq = ?');
    this.upsertDevice = this.db.prepare(
      'INSERT INTO devices (device_id, acked_seq, max_seq, events, duplicates, conflicts) VALUES (?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (device_id) DO UPDATE SET acked_seq = excluded.acked_seq, max_seq = excluded.max_seq, events = excluded.events, duplicates = excluded.duplicates, conflicts = excluded.conflicts',
    );
  }

  /** Stores many messages in one transaction (group commit). */
  store(batches: readonly IncomingBatch[], receivedAt: string): StoreOutcome {
    const outcome: StoreOutcome = { stored: 0, duplicates: 0, acks: new Map() };
    this.db.transaction(() => {
      const touched = new Set<string>();
      const repeated = new Set<string>();
      for (const batch of batches) {
        const state = this.device(batch.deviceId);
        touched.add(batch.deviceId);
        const messageId = this.insertMessage.run(batch.deviceId, batch.payload, receivedAt).lastInsertRowid;
        let fresh = 0;
        if (this.insertAll(batch, messageId) === batch.events.length) {
          // The common case: every event is new.
          fresh = batch.events.length;
          state.events += fresh;
          for (const event of batch.events) {
            state.maxSeq = Math.max(state.maxSeq, event.seq);
            if (event.seq > state.acked) state.above.add(event.seq);
          }
        } else for (const event of batch.events) {
          const row = this.selectStoredRow.get(batch.deviceId, event.seq);
          if (!row) throw new Error(`event ${batch.deviceId}/${event.seq} was not stored`);
          if (row.message_id === Number(messageId)) {
            fresh += 1;
            state.events += 1;
            state.maxSeq = Math.max(state.maxSeq, event.seq);
            if (event.seq > state.acked) state.above.add(event.seq);
          } else {
            outcome.duplicates += 1;
            state.duplicates += 1;
            repeated.add(batch.deviceId);
            if (row.event_id !== event.id) state.conflicts += 1;
          }
        }
        outcome.stored += fresh;
        if (fresh === 0) this.deleteMessage.run(messageId);
      }
      for (const deviceId of touched) {
        const state = this.device(deviceId);
        const before = state.acked;
        while (state.above.delete(state.acked + 1)) state.acked += 1;
        if (state.acked > before || repeated.has(deviceId)) outcome.acks.set(deviceId, state.acked);
        this.upsertDevice.run(deviceId, state.acked, state.maxSeq, state.events, state.duplicates, state.conflicts);
      }
    })();
    return outcome;
  }

  /** Inserts a message's events (OR IGNORE) in chunks of up to 64 rows; returns how many were new. */
  private insertAll(batch: IncomingBatch, messageId: number | bigint): number {
    let inserted = 0;
    for (let from = 0; from < batch.events.length; from += 64) {
      const chunk = batch.events.slice(from, from + 64);
      let statement = this.insertChunks.get(chunk.length);
      if (!statement) {
        statement = this.db.prepare(`INSERT OR IGNORE INTO events (device_id, seq, event_id, type, message_id, position) VALUES ${Array(chunk.length).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`);
        this.insertChunks.set(chunk.length, statement);
      }
      const values: unknown[] = [];
      for (const event of chunk) values.push(batch.deviceId, event.seq, event.id, event.type, messageId, event.index);
      inserted += statement.run(...values).changes;
    }
    return inserted;
  }

  park(entry: { deviceId: string | null; topic: string; reason: string; detail: string; payload: Buffer }, receivedAt: string): void {
    this.db
      .prepare('INSERT INTO parked (device_id, topic, reason, detail, payload, received_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(entry.deviceId, entry.topic, entry.reason, entry.detail.slice(0, 500), entry.payload, receivedAt);
  }

  progress(deviceId: string): DeviceProgress {
    const state = this.device(deviceId);
    const gaps: Array<[number, number]> = [];
    let expect = state.acked + 1;
    for (const seq of [...state.above].sort((a, b) => a - b)) {
      if (seq > expect && gaps.length < 20) gaps.push([expect, seq - 1]);
      expect = seq + 1;
    }
    return { deviceId, ackedSeq: state.acked, maxSeq: state.maxSeq, events: state.events, duplicates: state.duplicates, conflicts: state.conflicts, gaps };
  }

  deviceIds(): string[] {
    return (this.db.prepare('SELECT device_id FROM devices ORDER BY device_id').all() as Array<{ device_id: string }>).map((row) => row.device_id);
  }

  /** Stored events of one device in seq order, each as the kiosk sent it (tests, tools; not a hot path). */
  eventsOf(deviceId: string): Array<{ seq: number; type: string; body: string }> {
    const rows = this.db
      .prepare('SELECT e.seq, e.type, e.position, m.id AS message_id, m.payload FROM events e JOIN messages m ON m.id = e.message_id WHERE e.device_id = ? ORDER BY e.seq')
      .all(deviceId) as Array<{ seq: number; type: string; position: number; message_id: number; payload: string }>;
    const parsed = new Map<number, unknown[]>();
    return rows.map((row) => {
      let events = parsed.get(row.message_id);
      if (!events) {
        events = (JSON.parse(row.payload) as { events: unknown[] }).events;
        parsed.set(row.message_id, events);
      }
      return { seq: row.seq, type: row.type, body: JSON.stringify(events[row.position]) };
    });
  }

  parkedCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM parked').get() as { n: number }).n;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** The device's state, loaded on first touch: the watermark row plus whatever was stored above it. */
  private device(deviceId: string): DeviceState {
    let state = this.devices.get(deviceId);
    if (state) return state;
    const row = this.db.prepare('SELECT acked_seq, max_seq, events, duplicates, conflicts FROM devices WHERE device_id = ?').get(deviceId) as
      | { acked_seq: number; max_seq: number; events: number; duplicates: number; conflicts: number }
      | undefined;
    const acked = row?.acked_seq ?? 0;
    const above = new Set(
      (this.db.prepare('SELECT seq FROM events WHERE device_id = ? AND seq > ?').all(deviceId, acked) as Array<{ seq: number }>).map((r) => r.seq),
    );
    state = { acked, maxSeq: row?.max_seq ?? 0, above, events: row?.events ?? 0, duplicates: row?.duplicates ?? 0, conflicts: row?.conflicts ?? 0 };
    this.devices.set(deviceId, state);
    return state;
  }
}

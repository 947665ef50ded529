import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { migrateIngestStore } from './ingest-schema.js';

/** Page size of a new ingest store (docs/fleet.md#ingest-store). */
export const INGEST_PAGE_SIZE = 32_768;

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
  /** Seqs the kiosk erased unsent (`outbox.erased`) and the watermark passed as accounted for. */
  erased: number;
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

/** One validated message: the kiosk's exact bytes and the seq of each event, in message order. */
export interface IncomingBatch {
  deviceId: string;
  payload: Uint8Array;
  seqs: readonly number[];
  /** [fromSeq, throughSeq, the event's own seq] of the message's `outbox.erased` events: seqs that will never come. */
  erasures?: ReadonlyArray<readonly [number, number, number]>;
}

interface DeviceState {
  acked: number;
  maxSeq: number;
  /** Stored seqs above the watermark (they arrived ahead of a gap). */
  above: Set<number>;
  events: number;
  duplicates: number;
  conflicts: number;
  erased: number;
}

interface RunRow {
  first_seq: number;
  last_seq: number;
  message_id: number;
  first_position: number;
}

/** A message's events as far as identity goes: `id` is what tells a duplicate from a conflict. */
type StoredEvents = Array<{ id?: unknown }>;

const MAX_GAPS = 20;

/**
 * The reference backend's store (layout: docs/fleet.md#ingest-store). Messages
 * are kept whole, as the kiosk sent them; each *run* of consecutive new seqs in
 * a message is one row pointing into it, so storing a 200-event message costs
 * one payload row and, usually, one short row. Duplicates by (deviceId, seq) are
 * dropped and counted; per device the highest contiguous seq stored is what the
 * kiosk may delete. A batch is committed (fsync'd) before its watermark is
 * published, so an acknowledged event is never only in memory.
 *
 * One writer per file: the watermark and the seqs stored above it are kept in
 * memory (loaded from the file on a device's first message), which is what lets
 * a batch be checked for duplicates without a lookup per event. Any number of
 * readers may open the same file with `readOnly`.
 */
export class IngestStore {
  private readonly db: Database;
  private readonly statements: {
    insertMessage: Statement<[string, Uint8Array, string]>;
    insertRun: Statement<[string, number, number, number | bigint, number]>;
    runAt: Statement<[string, number], RunRow>;
    payloadOf: Statement<[number], { payload: Buffer }>;
    insertErased: Statement<[string, number, number, number]>;
    upsertDevice: Statement<[string, number, number, number, number, number, number]>;
    deviceRow: Statement<[string], { acked_seq: number; max_seq: number; events: number; duplicates: number; conflicts: number; erased: number }>;
    /** Stored runs and erased ranges reaching above a watermark, in seq order: what is accounted for beyond it. */
    accountedAbove: Statement<{ device: string; acked: number }, { first_seq: number; last_seq: number }>;
  };
  private readonly devices = new Map<string, DeviceState>();
  private readonly readOnly: boolean;

  /**
   * `readOnly`: a reader beside the writer. `autoCheckpoint: false`: the WAL is checkpointed by someone else
   * (a WalCheckpointer), never inside one of this connection's commits.
   */
  constructor(path: string, options: { readOnly?: boolean; autoCheckpoint?: boolean } = {}) {
    this.readOnly = options.readOnly ?? false;
    if (!this.readOnly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new BetterSqlite3(path, { readonly: this.readOnly, fileMustExist: this.readOnly });
    if (!this.readOnly) {
      // A new file gets 32 KiB pages: a message is a ~100 KB blob, and at 4 KiB it spans 25 overflow pages, each its own
      // WAL frame; 32 KiB pages take about 40 % less of the writer thread's CPU per event (measured). Only a file not yet
      // written takes a page size (WAL files keep theirs), so an existing store is read as it is.
      this.db.pragma(`page_size = ${INGEST_PAGE_SIZE}`);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      if (options.autoCheckpoint === false) this.db.pragma('wal_autocheckpoint = 0');
      // The WAL is cut back to this when it starts over after a checkpoint, so a burst does not leave a large file.
      this.db.pragma('journal_size_limit = 16777216');
      migrateIngestStore(this.db);
    }
    const db = this.db;
    this.statements = {
      insertMessage: db.prepare('INSERT INTO messages (device_id, payload, received_at) VALUES (?, ?, ?)'),
      insertRun: db.prepare('INSERT INTO runs (device_id, first_seq, last_seq, message_id, first_position) VALUES (?, ?, ?, ?, ?)'),
      runAt: db.prepare('SELECT first_seq, last_seq, message_id, first_position FROM runs WHERE device_id = ? AND first_seq <= ? ORDER BY first_seq DESC LIMIT 1'),
      payloadOf: db.prepare('SELECT payload FROM messages WHERE id = ?'),
      insertErased: db.prepare('INSERT OR IGNORE INTO erased (device_id, first_seq, last_seq, event_seq) VALUES (?, ?, ?, ?)'),
      upsertDevice: db.prepare(
        'INSERT INTO devices (device_id, acked_seq, max_seq, events, duplicates, conflicts, erased) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (device_id) DO UPDATE SET acked_seq = excluded.acked_seq, max_seq = excluded.max_seq, events = excluded.events, duplicates = excluded.duplicates, conflicts = excluded.conflicts, erased = excluded.erased',
      ),
      deviceRow: db.prepare('SELECT acked_seq, max_seq, events, duplicates, conflicts, erased FROM devices WHERE device_id = ?'),
      accountedAbove: db.prepare(
        'SELECT first_seq, last_seq FROM runs WHERE device_id = @device AND last_seq > @acked ' +
          'UNION ALL SELECT first_seq, last_seq FROM erased WHERE device_id = @device AND last_seq > @acked ORDER BY first_seq',
      ),
    };
  }

  /** Stores many messages in one transaction (group commit). */
  store(batches: readonly IncomingBatch[], receivedAt: string): StoreOutcome {
    if (this.readOnly) throw new Error('IngestStore opened read-only');
    const outcome: StoreOutcome = { stored: 0, duplicates: 0, acks: new Map() };
    /** Each touched device's watermark before this transaction, to tell which rose. */
    const ackedBefore = new Map<string, number>();
    try {
      // IMMEDIATE: the write lock is taken first, so another connection holding it (a backup, a technician's sqlite3) is
      // waited for (the 5 s busy timeout). A deferred transaction reads first and then, wanting to write, fails at once.
      this.db.transaction(() => {
        const repeated = new Set<string>();
        for (const batch of batches) {
          const state = this.device(batch.deviceId);
          if (!ackedBefore.has(batch.deviceId)) ackedBefore.set(batch.deviceId, state.acked);
          const result = this.storeOne(batch, state, receivedAt);
          outcome.stored += result.fresh;
          outcome.duplicates += result.duplicates;
          if (result.duplicates > 0) repeated.add(batch.deviceId);
        }
        for (const [deviceId, before] of ackedBefore) {
          const state = this.device(deviceId);
          while (state.above.delete(state.acked + 1)) state.acked += 1;
          if (state.acked > before || repeated.has(deviceId)) outcome.acks.set(deviceId, state.acked);
          this.statements.upsertDevice.run(deviceId, state.acked, state.maxSeq, state.events, state.duplicates, state.conflicts, state.erased);
        }
      }).immediate();
    } catch (error) {
      // The in-memory state ran ahead of a transaction that did not commit: read it from the file again.
      for (const deviceId of ackedBefore.keys()) this.devices.delete(deviceId);
      throw error;
    }
    return outcome;
  }

  /** One message: its new seqs become runs into its payload row; seqs already stored are duplicates (or conflicts). */
  private storeOne(batch: IncomingBatch, state: DeviceState, receivedAt: string): { fresh: number; duplicates: number } {
    const { seqs } = batch;
    // Runs of consecutive new seqs at consecutive positions: [firstSeq, lastSeq, firstPosition].
    const runs: Array<[number, number, number]> = [];
    const seenHere = new Map<number, number>();
    const duplicatePositions: number[] = [];
    for (let position = 0; position < seqs.length; position += 1) {
      const seq = seqs[position]!;
      if (seq <= state.acked || state.above.has(seq) || seenHere.has(seq)) {
        duplicatePositions.push(position);
        continue;
      }
      seenHere.set(seq, position);
      const run = runs.at(-1);
      if (run && run[1] === seq - 1 && run[2] + (run[1] - run[0]) === position - 1) run[1] = seq;
      else runs.push([seq, seq, position]);
      // The common case (a kiosk's next batch, nothing ahead of it) moves the watermark without touching the set.
      if (seq === state.acked + 1 && state.above.size === 0) state.acked = seq;
      else state.above.add(seq);
      if (seq > state.maxSeq) state.maxSeq = seq;
    }
    const fresh = seenHere.size;
    state.events += fresh;
    if (fresh > 0) {
      const messageId = this.statements.insertMessage.run(batch.deviceId, batch.payload, receivedAt).lastInsertRowid;
      for (const [first, last, position] of runs) this.statements.insertRun.run(batch.deviceId, first, last, messageId, position);
    }
    if (duplicatePositions.length > 0) this.countDuplicates(batch, state, duplicatePositions, seenHere);
    for (const [from, through, eventSeq] of batch.erasures ?? []) this.accountErased(batch.deviceId, state, from, through, eventSeq);
    return { fresh, duplicates: duplicatePositions.length };
  }

  /**
   * The kiosk erased seqs from..through without sending them (a technician's factory reset): those not stored count
   * as accounted for, so the watermark passes the hole. Idempotent: a repeat of the message accounts for nothing new.
   */
  private accountErased(deviceId: string, state: DeviceState, from: number, through: number, eventSeq: number): void {
    if (through < from) return;
    this.statements.insertErased.run(deviceId, from, through, eventSeq);
    let accounted = 0;
    if (from <= state.acked + 1 && state.above.size === 0) {
      // Nothing stored above the watermark: the range moves it directly, however long it is.
      accounted = Math.max(0, through - state.acked);
      state.acked = Math.max(state.acked, through);
    } else {
      for (let seq = Math.max(from, state.acked + 1); seq <= through; seq += 1) {
        if (state.above.has(seq)) continue;
        state.above.add(seq);
        accounted += 1;
      }
    }
    state.erased += accounted;
    if (through > state.maxSeq) state.maxSeq = through;
  }

  /** The slow path, for resends only: each repeat is compared by event id with the copy stored first. */
  private countDuplicates(batch: IncomingBatch, state: DeviceState, positions: readonly number[], seenHere: ReadonlyMap<number, number>): void {
    const incoming = parseEvents(batch.payload);
    const storedMessages = new Map<number, StoredEvents | null>();
    for (const position of positions) {
      const seq = batch.seqs[position]!;
      state.duplicates += 1;
      const earlierHere = seenHere.get(seq);
      const stored = earlierHere !== undefined && earlierHere < position ? incoming?.[earlierHere] : this.storedEvent(batch.deviceId, seq, storedMessages);
      // A copy that cannot be read back is not counted as a conflict: only a proven difference is.
      if (stored && incoming && stored.id !== incoming[position]?.id) state.conflicts += 1;
    }
  }

  private storedEvent(deviceId: string, seq: number, cache: Map<number, StoredEvents | null>): { id?: unknown } | undefined {
    const run = this.statements.runAt.get(deviceId, seq);
    if (!run || run.last_seq < seq) return undefined;
    let events = cache.get(run.message_id);
    if (events === undefined) {
      const row = this.statements.payloadOf.get(run.message_id);
      events = row ? parseEvents(row.payload) : null;
      cache.set(run.message_id, events);
    }
    return events?.[run.first_position + (seq - run.first_seq)];
  }

  park(entry: { deviceId: string | null; topic: string; reason: string; detail: string; payload: Uint8Array }, receivedAt: string): void {
    this.db
      .prepare('INSERT INTO parked (device_id, topic, reason, detail, payload, received_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(entry.deviceId, entry.topic, entry.reason, entry.detail.slice(0, 500), entry.payload, receivedAt);
  }

  /** What is stored for one device, read from the file (any reader sees what the writer committed). */
  progress(deviceId: string): DeviceProgress {
    const row = this.statements.deviceRow.get(deviceId);
    const acked = row?.acked_seq ?? 0;
    const gaps: Array<[number, number]> = [];
    let expect = acked + 1;
    for (const run of this.statements.accountedAbove.iterate({ device: deviceId, acked })) {
      const first = Math.max(run.first_seq, acked + 1);
      if (first > expect) {
        gaps.push([expect, first - 1]);
        if (gaps.length >= MAX_GAPS) break;
      }
      expect = Math.max(expect, run.last_seq + 1);
    }
    return {
      deviceId,
      ackedSeq: acked,
      maxSeq: row?.max_seq ?? 0,
      events: row?.events ?? 0,
      duplicates: row?.duplicates ?? 0,
      conflicts: row?.conflicts ?? 0,
      erased: row?.erased ?? 0,
      gaps,
    };
  }

  deviceIds(): string[] {
    return (this.db.prepare('SELECT device_id FROM devices ORDER BY device_id').all() as Array<{ device_id: string }>).map((row) => row.device_id);
  }

  /** Stored events of one device in seq order, each as the kiosk sent it (tests, tools; not a hot path). */
  eventsOf(deviceId: string): Array<{ seq: number; type: string; body: string }> {
    const runs = this.db
      .prepare('SELECT r.first_seq, r.last_seq, r.first_position, m.payload FROM runs r JOIN messages m ON m.id = r.message_id WHERE r.device_id = ? ORDER BY r.first_seq')
      .all(deviceId) as Array<{ first_seq: number; last_seq: number; first_position: number; payload: Buffer }>;
    const out: Array<{ seq: number; type: string; body: string }> = [];
    for (const run of runs) {
      const events = (parseEvents(run.payload) ?? []) as Array<{ type?: unknown }>;
      for (let seq = run.first_seq; seq <= run.last_seq; seq += 1) {
        const event = events[run.first_position + (seq - run.first_seq)];
        out.push({ seq, type: String(event?.type), body: JSON.stringify(event) });
      }
    }
    return out;
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
    const row = this.statements.deviceRow.get(deviceId);
    const acked = row?.acked_seq ?? 0;
    const above = new Set<number>();
    for (const run of this.statements.accountedAbove.all({ device: deviceId, acked })) {
      for (let seq = Math.max(run.first_seq, acked + 1); seq <= run.last_seq; seq += 1) above.add(seq);
    }
    state = { acked, maxSeq: row?.max_seq ?? 0, above, events: row?.events ?? 0, duplicates: row?.duplicates ?? 0, conflicts: row?.conflicts ?? 0, erased: row?.erased ?? 0 };
    this.devices.set(deviceId, state);
    return state;
  }
}

function parseEvents(payload: Uint8Array): StoredEvents | null {
  try {
    const events = (JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8')) as { events?: unknown }).events;
    return Array.isArray(events) ? (events as StoredEvents) : null;
  } catch {
    return null;
  }
}

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/ops/clock.js';
import { ErrorCode, isKioskError } from '../../src/ops/errors.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { KioskEvent, type EventDraft } from '../../src/protocol/events.js';
import { openDatabase } from '../../src/store/database.js';
import { LATEST_SCHEMA_VERSION } from '../../src/store/migrations.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { readOutbox } from '../support/outbox-file.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

const started: EventDraft = { type: 'kiosk.started', payload: { runtimeVersion: 'test', configVersion: 1 } };

function fixedClock(bootId: string): Clock {
  return { bootId, wallNow: () => new Date('2026-11-23T10:00:00.000Z'), uptimeMs: () => 1234 };
}

describe('SqliteEventStore on a real file', () => {
  let dir: TempDir;
  let stores: SqliteEventStore[];
  beforeEach(() => {
    dir = makeTempDir();
    stores = [];
  });
  afterEach(() => {
    for (const store of stores) store.close();
    dir.remove();
  });

  function open(bootId = '0192f0a4-3b1c-7cc2-9a51-2f3e4d5c6b7a'): SqliteEventStore {
    const store = new SqliteEventStore(openDatabase(dir.file('kiosk.db'), createSilentLogger()), 'kiosk-1', fixedClock(bootId));
    stores.push(store);
    return store;
  }

  it('sets WAL and synchronous=FULL, and records the schema version', () => {
    const db = openDatabase(dir.file('kiosk.db'), createSilentLogger());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    db.close();
  });

  it('gives strictly increasing seq numbers that continue across a reopen', () => {
    const first = open();
    const a = first.append(started);
    const b = first.append(started);
    first.close();
    const second = open('0192f0a4-3b1c-7cc2-9a51-000000000002');
    const c = second.append(started);
    expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3]);
    expect(c.bootId).toBe('0192f0a4-3b1c-7cc2-9a51-000000000002');
    expect(KioskEvent.parse(c)).toEqual(c);
    expect(second.stats()).toMatchObject({ total: 3, unsent: 3, lastSeq: 3, oldestUnsentTime: '2026-11-23T10:00:00.000Z' });
  });

  it('emits each event once it is committed', () => {
    const store = open();
    const seen: number[] = [];
    store.on('appended', (event) => seen.push(event.seq));
    store.append(started);
    expect(seen).toEqual([1]);
  });

  it('keeps an event committed when an appended-listener throws', () => {
    const store = open();
    store.on('appended', () => {
      throw new Error('listener bug');
    });
    expect(store.append(started).seq).toBe(1);
    expect(store.stats().total).toBe(1);
  });

  it('hands out held rows in seq order, bounded by count and bytes, and deletes them once the backend acknowledges them', () => {
    const store = open();
    for (let i = 0; i < 10; i += 1) store.append(started);
    expect(store.pending(0, 4, 1 << 20).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(store.pending(4, 100, 1 << 20).map((e) => e.seq)).toEqual([5, 6, 7, 8, 9, 10]);
    const size = Buffer.byteLength(store.pending(0, 1, 1 << 20)[0]!.body);
    expect(store.pending(0, 100, size * 3 + 1).map((e) => e.seq)).toEqual([1, 2, 3]);
    // An event larger than the byte budget still goes, alone, rather than blocking the queue.
    expect(store.pending(0, 100, 1).map((e) => e.seq)).toEqual([1]);
    expect(store.acknowledge(3)).toBe(3);
    expect(store.pending(0, 100, 1 << 20).map((e) => e.seq)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(store.stats()).toMatchObject({ total: 7, unsent: 7, ackedSeq: 3, lastSeq: 10 });
    // A watermark that does not rise changes nothing, nor does one beyond anything given out.
    expect(store.acknowledge(2)).toBe(0);
    expect(store.acknowledge(11)).toBe(0);
    expect(store.stats()).toMatchObject({ total: 7, ackedSeq: 3 });
  });

  it('prunes a large acknowledgement in bounded steps, counting only unacknowledged rows as held meanwhile', () => {
    const store = open();
    for (let i = 0; i < 10; i += 1) store.append(started);
    // The watermark alone: the rows stay for pruning, but are no longer held, counted or handed out.
    expect(store.acknowledge(7, 0)).toBe(0);
    expect(store.stats()).toMatchObject({ total: 3, ackedSeq: 7 });
    expect(store.pending(store.stats().ackedSeq, 100, 1 << 20).map((e) => e.seq)).toEqual([8, 9, 10]);
    expect(readOutbox(dir.file('kiosk.db')).held).toBe(10);
    expect([store.prune(3), store.prune(3), store.prune(3)]).toEqual([3, 3, 1]);
    expect(readOutbox(dir.file('kiosk.db')).held).toBe(3);
    // A step never reaches above the watermark.
    expect(store.prune(100)).toBe(0);
    expect(store.acknowledge(9, 1)).toBe(1);
    expect(store.prune(100)).toBe(1);
    expect(store.pending(0, 100, 1 << 20).map((e) => e.seq)).toEqual([10]);
  });

  it('counts held events as the table does after a prefix was erased (factory reset) above the watermark', () => {
    const store = open();
    for (let i = 0; i < 10; i += 1) store.append(started);
    store.acknowledge(2);
    const other = new Database(dir.file('kiosk.db'));
    other.prepare('DELETE FROM outbox_seg_1 WHERE seq <= 6').run();
    other.close();
    expect(store.stats()).toMatchObject({ total: 4, ackedSeq: 2, lastSeq: 10 });
    expect(store.stats().total).toBe(readOutbox(dir.file('kiosk.db')).held);
    store.acknowledge(10);
    expect(store.stats()).toMatchObject({ total: 0, oldestUnsentTime: null });
  });

  it('erases held events through a seq and, in the same transaction, writes the outbox.erased event the backend needs', () => {
    const store = open();
    for (let i = 0; i < 10; i += 1) store.append(started);
    store.acknowledge(2, 0);
    const seen: string[] = [];
    store.on('appended', (event) => seen.push(event.type));
    const event = store.eraseThrough(6, { reason: 'factory-reset', technician: 'alice' });
    expect(event).toMatchObject({ seq: 11, type: 'outbox.erased', payload: { fromSeq: 3, throughSeq: 6, erased: 4, reason: 'factory-reset', technician: 'alice' } });
    expect(KioskEvent.parse(event)).toEqual(event);
    expect(seen).toEqual(['outbox.erased']);
    expect(store.pending(2, 100, 1 << 20).map((e) => e.seq)).toEqual([7, 8, 9, 10, 11]);
    expect(store.stats()).toMatchObject({ total: 5, lastSeq: 11 });
    // A seq beyond the last given out erases no more than there is.
    expect(store.eraseThrough(1000, { reason: 'factory-reset', technician: null }).payload).toMatchObject({ fromSeq: 3, throughSeq: 11, erased: 5 });
  });

  it('keeps the watermark and the seq counter across a reopen, so a restart resends only what is not acknowledged', () => {
    const first = open();
    for (let i = 0; i < 5; i += 1) first.append(started);
    first.acknowledge(4);
    first.close();
    const second = open('0192f0a4-3b1c-7cc2-9a51-000000000003');
    expect(second.stats()).toMatchObject({ total: 1, ackedSeq: 4, lastSeq: 5 });
    expect(second.pending(second.stats().ackedSeq, 100, 1 << 20).map((e) => e.seq)).toEqual([5]);
    expect(second.append(started).seq).toBe(6);
  });

  it('stores the exact JSON it will send', () => {
    const store = open();
    const event = store.append(started);
    expect(JSON.parse(store.pending(0, 1, 1 << 20)[0]!.body)).toEqual(event);
  });

  it('refuses an event with a coded error when the disk is full, keeping what was stored and the seq unused', () => {
    const store = open();
    store.append(started);
    const db = new Database(dir.file('kiosk.db'));
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.close();
    // Cap the file at its current size: the next page SQLite needs fails with SQLITE_FULL.
    (store as unknown as { db: Database.Database }).db.pragma(`max_page_count = ${pages}`);
    let error: unknown;
    const big: EventDraft = { type: 'kiosk.started', payload: { runtimeVersion: 'x'.repeat(200_000), configVersion: 1 } };
    try {
      store.append(big);
    } catch (caught) {
      error = caught;
    }
    expect(isKioskError(error, ErrorCode.StoreFault)).toBe(true);
    expect(String((error as Error).message)).toMatch(/full/i);
    expect(store.stats()).toMatchObject({ total: 1, lastSeq: 1 });
    (store as unknown as { db: Database.Database }).db.pragma('max_page_count = 1073741823');
    expect(store.append(started).seq).toBe(2);
  });

  it('refuses a database written by a newer runtime', () => {
    const db = new Database(dir.file('kiosk.db'));
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    let error: unknown;
    try {
      openDatabase(dir.file('kiosk.db'), createSilentLogger());
    } catch (caught) {
      error = caught;
    }
    expect(isKioskError(error, ErrorCode.StoreMigrationFailed)).toBe(true);
  });
});

describe('SqliteEventStore: the outbox in segment tables', () => {
  let dir: TempDir;
  let store: SqliteEventStore;
  let db: Database.Database;
  beforeEach(() => {
    dir = makeTempDir();
    db = openDatabase(dir.file('kiosk.db'), createSilentLogger());
    // Segments of 4 seqs, so a few appends cross several (the real size is 16,384).
    store = new SqliteEventStore(db, 'kiosk-1', fixedClock('0192f0a4-3b1c-7cc2-9a51-2f3e4d5c6b7a'), undefined, { segmentSeqs: 4, maxSegments: 3 });
  });
  afterEach(() => {
    store.close();
    dir.remove();
  });

  const segmentTables = (): string[] =>
    (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB 'outbox_seg_*'").all() as Array<{ name: string }>).map((row) => row.name).sort();
  const seqsIn = (table: string): number[] => (db.prepare(`SELECT seq FROM ${table} ORDER BY seq`).all() as Array<{ seq: number }>).map((row) => row.seq);
  const appendMany = (count: number): void => {
    for (let i = 0; i < count; i += 1) store.append(started);
  };

  it('starts a segment every segmentSeqs seqs, reads across them in order, and shows them all through the outbox view', () => {
    appendMany(10);
    expect(segmentTables()).toEqual(['outbox_seg_1', 'outbox_seg_5', 'outbox_seg_9']);
    expect([seqsIn('outbox_seg_1'), seqsIn('outbox_seg_5'), seqsIn('outbox_seg_9')]).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]);
    expect(store.pending(2, 5, 1 << 20).map((entry) => entry.seq)).toEqual([3, 4, 5, 6, 7]);
    expect(store.pending(0, 100, 1 << 20).map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(readOutbox(dir.file('kiosk.db')).held).toBe(10);
    expect(store.stats()).toMatchObject({ total: 10, lastSeq: 10 });
  });

  it('drops a segment whole once all its seqs are acknowledged, keeps the one the watermark is inside, and deletes rows only in the newest', () => {
    appendMany(10);
    expect(store.acknowledge(6, 0)).toBe(0);
    expect(store.prune(100)).toBe(4);
    expect(segmentTables()).toEqual(['outbox_seg_5', 'outbox_seg_9']);
    // 5 and 6 are acknowledged but stay until their segment is: they are never handed out or counted again.
    expect(seqsIn('outbox_seg_5')).toEqual([5, 6, 7, 8]);
    expect(store.prune(100)).toBe(0);
    expect(store.stats()).toMatchObject({ total: 4, ackedSeq: 6 });
    expect(store.pending(6, 100, 1 << 20).map((entry) => entry.seq)).toEqual([7, 8, 9, 10]);

    expect(store.acknowledge(10, 0)).toBe(0);
    // A whole segment is one step, however many rows it holds; the rest of the step goes to the newest segment's rows.
    expect(store.prune(3)).toBe(4);
    expect(store.prune(100)).toBe(2);
    expect(segmentTables()).toEqual(['outbox_seg_9']);
    expect(seqsIn('outbox_seg_9')).toEqual([]);
    expect(store.stats()).toMatchObject({ total: 0, oldestUnsentTime: null });
    // The newest segment is never dropped, so the next event has its table (and the view its one term).
    expect(store.append(started).seq).toBe(11);
    expect(seqsIn('outbox_seg_9')).toEqual([11]);
    expect(readOutbox(dir.file('kiosk.db')).held).toBe(1);
  });

  it('applies an acknowledgement with pruning in the same step, as before segments', () => {
    appendMany(10);
    expect(store.acknowledge(8)).toBe(8);
    expect(segmentTables()).toEqual(['outbox_seg_9']);
    expect(store.pending(8, 100, 1 << 20).map((entry) => entry.seq)).toEqual([9, 10]);
  });

  it('lets the newest segment grow past its span once the most segments exist', () => {
    appendMany(16);
    expect(segmentTables()).toEqual(['outbox_seg_1', 'outbox_seg_5', 'outbox_seg_9']);
    expect(seqsIn('outbox_seg_9')).toEqual([9, 10, 11, 12, 13, 14, 15, 16]);
    store.acknowledge(4);
    appendMany(1);
    // A slot is free again: the next event starts a segment.
    expect(segmentTables()).toEqual(['outbox_seg_17', 'outbox_seg_5', 'outbox_seg_9']);
  });

  it('erases a range across segments, and the emptied segments go once the backend acknowledges the outbox.erased event', () => {
    appendMany(10);
    store.acknowledge(1, 0);
    const event = store.eraseThrough(7, { reason: 'factory-reset', technician: null });
    expect(event.payload).toMatchObject({ fromSeq: 2, throughSeq: 7, erased: 6 });
    expect([seqsIn('outbox_seg_1'), seqsIn('outbox_seg_5')]).toEqual([[1], [8]]);
    expect(store.pending(1, 100, 1 << 20).map((entry) => entry.seq)).toEqual([8, 9, 10, 11]);
    expect(store.stats()).toMatchObject({ total: 4, lastSeq: 11 });
    store.acknowledge(event.seq);
    expect(segmentTables()).toEqual(['outbox_seg_9']);
    expect(readOutbox(dir.file('kiosk.db')).held).toBe(0);
  });

  it('forgets a segment whose creation was rolled back (disk full), and starts it again on the next append', () => {
    appendMany(4);
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    let error: unknown;
    try {
      store.append({ type: 'kiosk.started', payload: { runtimeVersion: 'x'.repeat(200_000), configVersion: 1 } });
    } catch (caught) {
      error = caught;
    }
    expect(isKioskError(error, ErrorCode.StoreFault)).toBe(true);
    expect(segmentTables()).toEqual(['outbox_seg_1']);
    db.pragma('max_page_count = 1073741823');
    expect(store.append(started).seq).toBe(5);
    expect(segmentTables()).toEqual(['outbox_seg_1', 'outbox_seg_5']);
    expect(store.pending(0, 100, 1 << 20).map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('reopens a file with several segments and goes on where it was', () => {
    appendMany(9);
    store.acknowledge(3, 0);
    store.close();
    db = openDatabase(dir.file('kiosk.db'), createSilentLogger());
    store = new SqliteEventStore(db, 'kiosk-1', fixedClock('0192f0a4-3b1c-7cc2-9a51-2f3e4d5c6b7a'), undefined, { segmentSeqs: 4, maxSegments: 3 });
    expect(store.pending(3, 100, 1 << 20).map((entry) => entry.seq)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(store.append(started).seq).toBe(10);
    expect(seqsIn('outbox_seg_9')).toEqual([9, 10]);
    store.acknowledge(8);
    expect(segmentTables()).toEqual(['outbox_seg_9']);
  });
});

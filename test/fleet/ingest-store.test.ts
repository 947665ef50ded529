import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchValidator } from '../../src/fleet/batch-validator.js';
import { INGEST_PAGE_SIZE, IngestStore } from '../../src/fleet/ingest-store.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

const at = '2026-12-01T10:00:00.000Z';
/** A message as the validator hands it on: the payload's bytes and its events' seqs. */
function msg(deviceId: string, seqs: number[], idOf = (seq: number) => `id-${seq}`) {
  const events = seqs.map((seq) => ({ seq, id: idOf(seq), type: 'kiosk.started' }));
  return { deviceId, payload: Buffer.from(JSON.stringify({ events })), seqs };
}

describe('IngestStore (real SQLite file)', () => {
  let dir: TempDir;
  let store: IngestStore;
  beforeEach(() => {
    dir = makeTempDir();
    store = new IngestStore(dir.file('ingest.db'));
  });
  afterEach(() => {
    store.close();
    dir.remove();
  });

  it('drops duplicates by (deviceId, seq), raises the watermark only over contiguous seqs, and reports the gaps', () => {
    expect(store.store([msg('a', [1, 2, 5])], at)).toMatchObject({ stored: 3, duplicates: 0, acks: new Map([['a', 2]]) });
    expect(store.progress('a')).toMatchObject({ ackedSeq: 2, maxSeq: 5, gaps: [[3, 4]] });
    // A repeat of stored events re-sends the watermark: the kiosk evidently missed it.
    expect(store.store([msg('a', [2, 5])], at)).toMatchObject({ stored: 0, duplicates: 2, acks: new Map([['a', 2]]) });
    expect(store.store([msg('a', [4]), msg('b', [1])], at).acks).toEqual(new Map([['b', 1]]));
    expect(store.store([msg('a', [3])], at).acks).toEqual(new Map([['a', 5]]));
    expect(store.progress('a')).toMatchObject({ ackedSeq: 5, events: 5, duplicates: 2, conflicts: 0, gaps: [] });
    expect(store.eventsOf('a').map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('counts a repeat that is another event (another id) as a conflict and keeps the first copy', () => {
    store.store([msg('a', [1], () => 'first')], at);
    store.store([msg('a', [1], () => 'second')], at);
    store.store([msg('a', [1], () => 'first')], at);
    expect(store.progress('a')).toMatchObject({ conflicts: 1, duplicates: 2 });
    expect(JSON.parse(store.eventsOf('a')[0]!.body)).toEqual({ seq: 1, id: 'first', type: 'kiosk.started' });
  });

  it('lets the watermark pass seqs the kiosk erased unsent (outbox.erased), in either order, and counts them', () => {
    expect(store.store([msg('a', [1, 2])], at).acks).toEqual(new Map([['a', 2]]));
    // A factory reset erased 3..6; the kiosk's next events are 7.. and the erasure event itself is 9.
    expect(store.store([msg('a', [7, 8])], at).acks).toEqual(new Map());
    expect(store.progress('a')).toMatchObject({ ackedSeq: 2, gaps: [[3, 6]] });
    expect(store.store([{ ...msg('a', [9]), erasures: [[3, 6, 9]] }], at).acks).toEqual(new Map([['a', 9]]));
    expect(store.progress('a')).toMatchObject({ ackedSeq: 9, erased: 4, events: 5, gaps: [] });
    // A repeat of the erasure accounts for nothing new.
    store.store([{ ...msg('a', [9]), erasures: [[3, 6, 9]] }], at);
    expect(store.progress('a')).toMatchObject({ ackedSeq: 9, erased: 4, duplicates: 1 });
    // Straight after the watermark, a long erased range moves it at once.
    expect(store.store([{ ...msg('a', [100_010]), erasures: [[10, 100_009, 100_010]] }], at).acks).toEqual(new Map([['a', 100_010]]));
    expect(store.progress('a')).toMatchObject({ ackedSeq: 100_010, erased: 4 + 100_000 });
  });

  it('keeps erased ranges across a restart: the seqs above the hole still count as accounted for', () => {
    store.store([msg('a', [1])], at);
    store.store([{ ...msg('a', [9]), erasures: [[4, 8, 9]] }], at);
    expect(store.progress('a')).toMatchObject({ ackedSeq: 1, gaps: [[2, 3]] });
    store.close();
    store = new IngestStore(dir.file('ingest.db'));
    expect(store.store([msg('a', [2, 3])], at).acks).toEqual(new Map([['a', 9]]));
    expect(store.progress('a')).toMatchObject({ ackedSeq: 9, erased: 5 });
  });

  it('picks up its watermark and the events above a gap after a restart', () => {
    store.store([msg('a', [1, 3])], at);
    store.close();
    store = new IngestStore(dir.file('ingest.db'));
    expect(store.progress('a')).toMatchObject({ ackedSeq: 1, gaps: [[2, 2]] });
    expect(store.store([msg('a', [2])], at).acks).toEqual(new Map([['a', 3]]));
  });
});

describe('IngestStore layout (docs/fleet.md#ingest-store)', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  const runsOf = (path: string) => {
    const db = new BetterSqlite3(path, { readonly: true });
    try {
      return db.prepare('SELECT first_seq, last_seq, first_position FROM runs ORDER BY device_id, first_seq').all();
    } finally {
      db.close();
    }
  };

  it('makes a new file with 32 KiB pages and opens one written with 4 KiB pages as it is', () => {
    const fresh = new IngestStore(dir.file('new.db'));
    fresh.store([msg('a', [1, 2])], at);
    fresh.close();
    const older = new BetterSqlite3(dir.file('old.db'));
    older.pragma('page_size = 4096');
    older.pragma('journal_mode = WAL');
    older.close();
    const reopened = new IngestStore(dir.file('old.db'));
    reopened.store([msg('a', [1, 2])], at);
    expect(reopened.progress('a')).toMatchObject({ ackedSeq: 2, events: 2 });
    reopened.close();
    const pageSize = (path: string): number => {
      const db = new BetterSqlite3(path, { readonly: true });
      try {
        return db.pragma('page_size', { simple: true }) as number;
      } finally {
        db.close();
      }
    };
    expect([pageSize(dir.file('new.db')), pageSize(dir.file('old.db'))]).toEqual([INGEST_PAGE_SIZE, 4096]);
    expect(INGEST_PAGE_SIZE).toBe(32_768);
  });

  it('keeps one run row per stretch of consecutive new seqs, whatever the message size', () => {
    const path = dir.file('ingest.db');
    const store = new IngestStore(path);
    store.store([msg('a', Array.from({ length: 200 }, (_, i) => i + 1))], at);
    // Seqs 199–201 repeat what is stored: the new ones make two runs, around the repeated position.
    store.store([msg('a', [199, 200, 201, 202, 150, 203])], at);
    store.close();
    expect(runsOf(path)).toEqual([
      { first_seq: 1, last_seq: 200, first_position: 0 },
      { first_seq: 201, last_seq: 202, first_position: 2 },
      { first_seq: 203, last_seq: 203, first_position: 5 },
    ]);
    const reader = new IngestStore(path, { readOnly: true });
    expect(reader.eventsOf('a').map((e) => e.seq)).toEqual(Array.from({ length: 203 }, (_, i) => i + 1));
    expect(reader.progress('a')).toMatchObject({ ackedSeq: 203, events: 203, duplicates: 3, conflicts: 0 });
    reader.close();
  });

  it('counts a seq repeated inside one message once, and a different event under it as a conflict', () => {
    const store = new IngestStore(dir.file('ingest.db'));
    let n = 0;
    expect(store.store([msg('a', [1, 2, 2], () => `id-${(n += 1)}`)], at)).toMatchObject({ stored: 2, duplicates: 1 });
    expect(store.progress('a')).toMatchObject({ ackedSeq: 2, conflicts: 1 });
    store.close();
  });

  it('lets a reader see what the writer committed, and refuses writes through it', () => {
    const path = dir.file('ingest.db');
    const writer = new IngestStore(path);
    const reader = new IngestStore(path, { readOnly: true });
    writer.store([msg('a', [1, 2])], at);
    expect(reader.progress('a')).toMatchObject({ ackedSeq: 2, events: 2 });
    expect(() => reader.store([msg('a', [3])], at)).toThrow(/read-only/);
    reader.close();
    writer.close();
  });

  it('converts a version-1 file (an index row per event) into runs, keeping every event, the watermark and the gaps', () => {
    const path = dir.file('ingest.db');
    const v1 = new BetterSqlite3(path);
    v1.exec(`
      CREATE TABLE messages (id INTEGER PRIMARY KEY, device_id TEXT NOT NULL, payload TEXT NOT NULL, received_at TEXT NOT NULL) STRICT;
      CREATE TABLE events (device_id TEXT NOT NULL, seq INTEGER NOT NULL, event_id TEXT NOT NULL, type TEXT NOT NULL, message_id INTEGER NOT NULL REFERENCES messages (id), position INTEGER NOT NULL, PRIMARY KEY (device_id, seq)) STRICT, WITHOUT ROWID;
      CREATE TABLE devices (device_id TEXT PRIMARY KEY, acked_seq INTEGER NOT NULL, max_seq INTEGER NOT NULL, events INTEGER NOT NULL, duplicates INTEGER NOT NULL, conflicts INTEGER NOT NULL) STRICT;
      CREATE TABLE parked (id INTEGER PRIMARY KEY, device_id TEXT, topic TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL, payload BLOB NOT NULL, received_at TEXT NOT NULL) STRICT;
    `);
    const message = (id: number, seqs: number[]) => {
      v1.prepare('INSERT INTO messages VALUES (?, ?, ?, ?)').run(id, 'a', msg('a', seqs).payload.toString(), at);
      // Position 1 of message 2 was a duplicate: it has no index row, so the runs must stop around it.
      seqs.forEach((seq, position) => {
        if (!(id === 2 && position === 1)) v1.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)').run('a', seq, `id-${seq}`, 'kiosk.started', id, position);
      });
    };
    message(1, [1, 2, 3]);
    message(2, [4, 2, 5, 6]);
    message(3, [9]);
    v1.prepare('INSERT INTO devices VALUES (?, ?, ?, ?, ?, ?)').run('a', 6, 9, 7, 1, 0);
    v1.close();

    const store = new IngestStore(path);
    store.close();
    expect(runsOf(path)).toEqual([
      { first_seq: 1, last_seq: 3, first_position: 0 },
      { first_seq: 4, last_seq: 4, first_position: 0 },
      { first_seq: 5, last_seq: 6, first_position: 2 },
      { first_seq: 9, last_seq: 9, first_position: 0 },
    ]);
    const reopened = new IngestStore(path);
    expect(reopened.eventsOf('a').map((e) => [e.seq, JSON.parse(e.body).id])).toEqual([1, 2, 3, 4, 5, 6, 9].map((seq) => [seq, `id-${seq}`]));
    expect(reopened.progress('a')).toMatchObject({ ackedSeq: 6, gaps: [[7, 8]] });
    expect(reopened.store([msg('a', [7, 8])], at).acks).toEqual(new Map([['a', 9]]));
    reopened.close();
  });

  it('refuses a file of a newer layout than it knows', () => {
    const path = dir.file('ingest.db');
    const db = new BetterSqlite3(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => new IngestStore(path)).toThrow(/layout version 99, newer/);
  });
});

describe('BatchValidator', () => {
  const validator = new BatchValidator();
  const event = {
    schema: 'kiosk.event/1',
    id: '01a209a2-d0b8-738e-ba2a-be6e9b1fd48b',
    deviceId: 'k1',
    seq: 1,
    bootId: '6750e39c-0c12-4b27-894c-fb1a3f92faf1',
    time: '2026-11-23T18:19:54.937Z',
    uptimeMs: 8,
    type: 'kiosk.started',
    payload: { runtimeVersion: '0.1.0', configVersion: 1 },
  };
  const batch = (events: object[], extra: object = {}) => Buffer.from(JSON.stringify({ schema: 'kiosk.events-batch/1', deviceId: 'k1', events, ...extra }));

  it.each([
    ['a valid batch', batch([event]), true, undefined],
    ['a batch with a field a minor version added', batch([{ ...event, addedLater: 1 }], { alsoNew: true }), true, undefined],
    ['not JSON', Buffer.from('{"schema":'), false, 'not-json'],
    ['a newer batch format', batch([event], { schema: 'kiosk.events-batch/2' }), false, 'unknown-version'],
    ['a newer event format', batch([{ ...event, schema: 'kiosk.event/2' }]), false, 'unknown-version'],
    ['an event without seq', batch([{ ...event, seq: undefined }]), false, 'invalid'],
    ['an empty batch', batch([]), false, 'invalid'],
    ['another device in the payload than in the topic', batch([{ ...event, deviceId: 'k2' }]), false, 'device-mismatch'],
  ] as const)('%s', (_name, payload, ok, reason) => {
    const verdict = validator.check('k1', payload);
    expect(verdict.ok).toBe(ok);
    if (!verdict.ok) expect(verdict.reason).toBe(reason);
  });

  it('hands on the seqs and the ranges of outbox.erased events', () => {
    const erased = { ...event, seq: 9, type: 'outbox.erased', payload: { fromSeq: 3, throughSeq: 7, erased: 5, reason: 'factory-reset', technician: 'alice' } };
    const verdict = validator.check('k1', batch([{ ...event, seq: 8 }, erased]));
    expect(verdict).toMatchObject({ ok: true, seqs: [8, 9], erasures: [[3, 7, 9]] });
    expect(validator.check('k1', batch([{ ...erased, payload: { ...erased.payload, reason: 'whim' } }]))).toMatchObject({ ok: false, reason: 'invalid' });
  });
});

import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/ops/logger.js';
import { openDatabase } from '../../src/store/database.js';
import { LATEST_SCHEMA_VERSION, migrations } from '../../src/store/migrations.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

const clock = { bootId: '0192f0a4-3b1c-7cc2-9a51-2f3e4d5c6b7a', wallNow: () => new Date('2026-12-01T10:00:00.000Z'), uptimeMs: () => 5 };

describe('schema version 3 (acknowledgement, telemetry, command results, write accounting)', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  it('upgrades a version-2 file: every row, sent or not, is held until the backend acknowledges it', () => {
    const path = dir.file('kiosk.db');
    const v2 = new BetterSqlite3(path);
    migrations[0]!.up(v2);
    migrations[1]!.up(v2);
    v2.pragma('user_version = 2');
    const insert = v2.prepare('INSERT INTO outbox (seq, id, type, body, created_at, sent_at) VALUES (?, ?, ?, ?, ?, ?)');
    insert.run(1, 'a', 'kiosk.started', '{"seq":1}', '2026-11-30T10:00:00.000Z', '2026-11-30T10:00:01.000Z');
    insert.run(2, 'b', 'kiosk.started', '{"seq":2}', '2026-11-30T10:00:02.000Z', null);
    v2.prepare("UPDATE meta SET value = 2 WHERE key = 'last_seq'").run();
    v2.close();

    const db = openDatabase(path, createSilentLogger());
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(existsSync(`${path}.v2.bak`)).toBe(true);
    const columns = (db.prepare('PRAGMA table_info(outbox)').all() as Array<{ name: string }>).map((c) => c.name);
    expect(columns).not.toContain('sent_at');
    const store = new SqliteEventStore(db, 'kiosk-1', clock);
    // The v2 runtime had no acknowledgement: a PUBACKed row may still be missing at the backend, so it is sent again.
    expect(store.pending(0, 10, 1 << 20).map((row) => row.seq)).toEqual([1, 2]);
    expect(store.stats()).toMatchObject({ total: 2, ackedSeq: 0, lastSeq: 2, oldestUnsentTime: '2026-11-30T10:00:00.000Z' });
    expect(store.append({ type: 'kiosk.started', payload: { runtimeVersion: 't', configVersion: 1 } }).seq).toBe(3);
    for (const table of ['telemetry', 'command_results', 'storage_writes']) {
      expect(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name = ?").get(table)).toEqual({ n: 1 });
    }
    store.close();
  });
});

describe('schema version 4 (outbox without the UNIQUE index on id)', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  it('rebuilds a version-3 outbox with every row, the watermark and the counter kept, and no index on id', () => {
    const path = dir.file('kiosk.db');
    const v3 = new BetterSqlite3(path);
    for (const migration of migrations.filter((m) => m.version <= 3)) migration.up(v3);
    v3.pragma('user_version = 3');
    const insert = v3.prepare('INSERT INTO outbox (seq, id, type, body, created_at) VALUES (?, ?, ?, ?, ?)');
    for (let seq = 1; seq <= 5; seq += 1) insert.run(seq, `id-${seq}`, 'kiosk.started', `{"seq":${seq}}`, `2026-11-30T10:00:0${seq}.000Z`);
    v3.prepare("UPDATE meta SET value = 5 WHERE key = 'last_seq'").run();
    v3.prepare("UPDATE meta SET value = 2 WHERE key = 'acked_seq'").run();
    const indexesBefore = (v3.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'outbox'").all() as Array<{ name: string }>).length;
    v3.close();
    expect(indexesBefore).toBe(1);

    const db = openDatabase(path, createSilentLogger());
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(existsSync(`${path}.v3.bak`)).toBe(true);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name GLOB 'outbox*'").all()).toEqual([]);
    expect(db.prepare('SELECT seq, id, body FROM outbox ORDER BY seq').all()).toEqual(
      Array.from({ length: 5 }, (_, i) => ({ seq: i + 1, id: `id-${i + 1}`, body: `{"seq":${i + 1}}` })),
    );
    const store = new SqliteEventStore(db, 'kiosk-1', clock);
    expect(store.stats()).toMatchObject({ total: 3, ackedSeq: 2, lastSeq: 5, oldestUnsentTime: '2026-11-30T10:00:03.000Z' });
    expect(store.pending(store.stats().ackedSeq, 10, 1 << 20).map((row) => row.seq)).toEqual([3, 4, 5]);
    expect(store.append({ type: 'kiosk.started', payload: { runtimeVersion: 't', configVersion: 1 } }).seq).toBe(6);
    store.close();
  });
});

describe('schema version 5 (the outbox in segments)', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  function version4(path: string): BetterSqlite3.Database {
    const v4 = new BetterSqlite3(path);
    for (const migration of migrations.filter((m) => m.version <= 4)) migration.up(v4);
    v4.pragma('user_version = 4');
    return v4;
  }

  it('renames a version-4 outbox into the first segment, rows, watermark and counter kept, and reads it through the outbox view', () => {
    const path = dir.file('kiosk.db');
    const v4 = version4(path);
    const insert = v4.prepare('INSERT INTO outbox (seq, id, type, body, created_at) VALUES (?, ?, ?, ?, ?)');
    // Rows 1-2 acknowledged and pruned before the upgrade; 3 acknowledged, not yet pruned.
    for (let seq = 3; seq <= 7; seq += 1) insert.run(seq, `id-${seq}`, 'kiosk.started', `{"seq":${seq}}`, `2026-11-30T10:00:0${seq}.000Z`);
    v4.prepare("UPDATE meta SET value = 7 WHERE key = 'last_seq'").run();
    v4.prepare("UPDATE meta SET value = 3 WHERE key = 'acked_seq'").run();
    v4.close();

    const db = openDatabase(path, createSilentLogger());
    expect(db.pragma('user_version', { simple: true })).toBe(5);
    expect(existsSync(`${path}.v4.bak`)).toBe(true);
    expect(db.prepare("SELECT type, name FROM sqlite_schema WHERE name GLOB 'outbox*' ORDER BY name").all()).toEqual([
      { type: 'view', name: 'outbox' },
      { type: 'table', name: 'outbox_seg_3' },
    ]);
    expect(db.prepare('SELECT seq, id FROM outbox ORDER BY seq').all()).toEqual([3, 4, 5, 6, 7].map((seq) => ({ seq, id: `id-${seq}` })));
    const store = new SqliteEventStore(db, 'kiosk-1', clock);
    expect(store.stats()).toMatchObject({ total: 4, ackedSeq: 3, lastSeq: 7, oldestUnsentTime: '2026-11-30T10:00:04.000Z' });
    expect(store.pending(3, 10, 1 << 20).map((row) => row.seq)).toEqual([4, 5, 6, 7]);
    expect(store.append({ type: 'kiosk.started', payload: { runtimeVersion: 't', configVersion: 1 } }).seq).toBe(8);
    // The renamed segment is the newest: it takes the next event, and its acknowledged rows are deleted as rows.
    expect(db.prepare('SELECT count(*) AS n FROM outbox_seg_3').get()).toEqual({ n: 6 });
    expect(store.prune(100)).toBe(1);
    store.close();
  });

  it('names the first segment after the next seq when the version-4 outbox was empty', () => {
    const path = dir.file('kiosk.db');
    const v4 = version4(path);
    v4.prepare("UPDATE meta SET value = 41 WHERE key = 'last_seq'").run();
    v4.prepare("UPDATE meta SET value = 41 WHERE key = 'acked_seq'").run();
    v4.close();

    const db = openDatabase(path, createSilentLogger());
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB 'outbox_seg_*'").all()).toEqual([{ name: 'outbox_seg_42' }]);
    const store = new SqliteEventStore(db, 'kiosk-1', clock);
    expect(store.append({ type: 'kiosk.started', payload: { runtimeVersion: 't', configVersion: 1 } }).seq).toBe(42);
    expect(db.prepare('SELECT seq FROM outbox_seg_42').all()).toEqual([{ seq: 42 }]);
    store.close();
  });
});

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
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    expect(existsSync(`${path}.v3.bak`)).toBe(true);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'outbox'").all()).toEqual([]);
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

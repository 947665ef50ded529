import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../src/ops/clock.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { openDatabase } from '../../src/store/database.js';
import { LATEST_SCHEMA_VERSION, migrations } from '../../src/store/migrations.js';
import { SqliteSettingsStore } from '../../src/store/settings-store.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

describe('settings store (schema version 2)', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  it('upgrades a version-1 file with a backup, keeps its events, and stores settings durably', () => {
    const path = dir.file('kiosk.db');
    const v1 = new BetterSqlite3(path);
    migrations[0]!.up(v1);
    v1.pragma('user_version = 1');
    v1.prepare("INSERT INTO outbox (seq, id, type, body, created_at) VALUES (1, 'a', 't', '{}', 'now')").run();
    v1.close();

    const db = openDatabase(path, createSilentLogger());
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(existsSync(`${path}.v1.bak`)).toBe(true);
    expect(db.prepare('SELECT count(*) AS n FROM outbox').get()).toEqual({ n: 1 });
    const settings = new SqliteSettingsStore(db, createSystemClock());
    expect(settings.get('console.failed_logins')).toBeUndefined();
    settings.set('console.failed_logins', '3');
    settings.set('console.failed_logins', '4');
    db.close();

    const reopened = openDatabase(path, createSilentLogger());
    expect(new SqliteSettingsStore(reopened, createSystemClock()).get('console.failed_logins')).toBe('4');
    new SqliteSettingsStore(reopened, createSystemClock()).delete('console.failed_logins');
    expect(new SqliteSettingsStore(reopened, createSystemClock()).get('console.failed_logins')).toBeUndefined();
    reopened.close();
  });
});

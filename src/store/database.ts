import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { ErrorCode, KioskError } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import { LATEST_SCHEMA_VERSION, migrations } from './migrations.js';

/**
 * Opens the kiosk database: WAL so the uplink can read while the deposit flow
 * writes, and synchronous=FULL because better-sqlite3 leaves WAL at NORMAL,
 * which can lose the last committed deposits on a power cut. A deposit that the
 * consumer saw accepted must survive one.
 */
export function openDatabase(path: string, logger: Logger): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: Database;
  try {
    db = new BetterSqlite3(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // After a checkpoint the WAL is cut back to this, so a burst does not leave a large file behind (disk budget, flash).
    db.pragma('journal_size_limit = 4194304');
  } catch (error) {
    throw new KioskError(ErrorCode.StoreFault, `cannot open database ${path}: ${(error as Error).message}`, { path }, { cause: error });
  }
  migrate(db, path, logger);
  return db;
}

function migrate(db: Database, path: string, logger: Logger): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > LATEST_SCHEMA_VERSION) {
    db.close();
    throw new KioskError(
      ErrorCode.StoreMigrationFailed,
      `database ${path} has schema version ${current}, newer than this runtime knows (${LATEST_SCHEMA_VERSION}); install a newer runtime or restore a backup`,
      { path, current, latest: LATEST_SCHEMA_VERSION },
    );
  }
  if (current === LATEST_SCHEMA_VERSION) return;
  if (current > 0 && path !== ':memory:') {
    // A copy of the old file, taken before any change, so a failed upgrade can be undone by hand.
    const backup = `${path}.v${current}.bak`;
    try {
      // An older backup of the same version is stale: the newest copy is the one worth keeping.
      rmSync(backup, { force: true });
      db.prepare('VACUUM INTO ?').run(backup);
    } catch (error) {
      db.close();
      throw new KioskError(ErrorCode.StoreMigrationFailed, `cannot back up ${path} before migrating: ${(error as Error).message}`, { path, backup }, { cause: error });
    }
    logger.info({ backup, from: current }, 'database backed up before migration');
  }
  for (const migration of migrations.filter((m) => m.version > current)) {
    try {
      db.transaction(() => {
        migration.up(db);
        db.pragma(`user_version = ${migration.version}`);
      })();
    } catch (error) {
      db.close();
      throw new KioskError(
        ErrorCode.StoreMigrationFailed,
        `migration to schema version ${migration.version} failed: ${(error as Error).message}`,
        { path, version: migration.version },
        { cause: error },
      );
    }
    logger.info({ version: migration.version, description: migration.description }, 'database migrated');
  }
}

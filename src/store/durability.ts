import type { Database } from 'better-sqlite3';

/**
 * Runs `write` with synchronous=NORMAL, then restores FULL. In WAL mode a
 * NORMAL commit is not fsync'd on its own, but the next FULL commit (the next
 * deposit) syncs the WAL with it, and a power cut can only lose such a commit,
 * never corrupt the file. Used for bookkeeping whose loss only means work is
 * done again (an acknowledgement re-applied, a telemetry sample missing), never
 * for events: a deposit must be on disk when append() returns.
 */
export function withRelaxedDurability<T>(db: Database, write: () => T): T {
  db.pragma('synchronous = NORMAL');
  try {
    return write();
  } finally {
    db.pragma('synchronous = FULL');
  }
}

import type { Database } from 'better-sqlite3';

/**
 * Versioned schema migrations, applied in order inside one transaction each;
 * PRAGMA user_version records the version reached. Never edit a released
 * migration: add the next one. docs/storage.md describes every version.
 */
export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'outbox of events and the per-device sequence counter',
    up(db) {
      db.exec(`
        CREATE TABLE meta (
          key   TEXT PRIMARY KEY,
          value INTEGER NOT NULL
        ) STRICT;
        INSERT INTO meta (key, value) VALUES ('last_seq', 0);

        CREATE TABLE outbox (
          seq        INTEGER PRIMARY KEY,
          id         TEXT    NOT NULL UNIQUE,
          type       TEXT    NOT NULL,
          body       TEXT    NOT NULL,
          created_at TEXT    NOT NULL,
          sent_at    TEXT
        ) STRICT;
        CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;
      `);
    },
  },
  {
    version: 2,
    description: 'key-value settings (technician console credentials and lockout state)',
    up(db) {
      db.exec(`
        CREATE TABLE settings (
          key        TEXT PRIMARY KEY,
          value      TEXT NOT NULL,
          updated_at TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 3,
    description: 'application-level acknowledgement, telemetry samples, command results, storage write accounting',
    up(db) {
      db.exec(`
        -- Rows now leave the outbox when the backend acknowledges them; "sent" is the drain's in-memory state.
        DROP INDEX outbox_unsent;
        ALTER TABLE outbox DROP COLUMN sent_at;
        INSERT INTO meta (key, value) VALUES ('acked_seq', 0), ('telemetry_seq', 0), ('telemetry_dropped', 0), ('bytes_written_total', 0);

        CREATE TABLE telemetry (
          tseq       INTEGER PRIMARY KEY,
          body       TEXT    NOT NULL,
          created_at TEXT    NOT NULL
        ) STRICT;

        CREATE TABLE command_results (
          command_id   TEXT PRIMARY KEY,
          type         TEXT,
          result       TEXT NOT NULL,
          received_at  TEXT NOT NULL,
          forget_after TEXT NOT NULL
        ) STRICT;
        CREATE INDEX command_results_forget ON command_results (forget_after);

        CREATE TABLE storage_writes (
          day   TEXT    PRIMARY KEY,
          bytes INTEGER NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 4,
    description: 'outbox without the UNIQUE index on event id',
    up(db) {
      // The id index cost a B-tree write per event appended and per event pruned (half the pruning work) and guarded
      // nothing: ids are UUIDv7s made here, the backend dedupes by (deviceId, seq). SQLite cannot drop a UNIQUE
      // column constraint, so the table is rebuilt (the documented way: new table, copy, drop, rename).
      db.exec(`
        CREATE TABLE outbox_v4 (
          seq        INTEGER PRIMARY KEY,
          id         TEXT    NOT NULL,
          type       TEXT    NOT NULL,
          body       TEXT    NOT NULL,
          created_at TEXT    NOT NULL
        ) STRICT;
        INSERT INTO outbox_v4 (seq, id, type, body, created_at) SELECT seq, id, type, body, created_at FROM outbox;
        DROP TABLE outbox;
        ALTER TABLE outbox_v4 RENAME TO outbox;
      `);
    },
  },
  {
    version: 5,
    description: 'the outbox in segment tables, pruned by dropping whole segments; an outbox view over them',
    up(db) {
      // Deleting acknowledged rows one by one was most of the kiosk's CPU in a backlog drain and rewrote a page per few
      // rows; a segment is dropped whole instead (src/store/outbox-segments.ts). The existing table becomes the first
      // segment by a rename, whatever it holds: no copy, so a kiosk with a large backlog and a full disk migrates too.
      // The SQL is written out here, not taken from outbox-segments.ts, so this migration stays what it was released as.
      const first = db.prepare<[], { first: number }>("SELECT COALESCE((SELECT min(seq) FROM outbox), (SELECT value + 1 FROM meta WHERE key = 'last_seq'), 1) AS first").get()!.first;
      db.exec(`
        ALTER TABLE outbox RENAME TO outbox_seg_${first};
        CREATE VIEW outbox AS SELECT seq, id, type, body, created_at FROM outbox_seg_${first};
      `);
    },
  },
];

export const LATEST_SCHEMA_VERSION = migrations.at(-1)?.version ?? 0;

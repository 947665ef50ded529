import type { Database } from 'better-sqlite3';

/**
 * Layout of the reference ingest's SQLite file, versioned with PRAGMA
 * user_version (docs/fleet.md#ingest-store). Version 1 (an index row per
 * event) carried no version number; it is recognised by its `events` table.
 */
export const INGEST_STORE_VERSION = 2;

const LAYOUT_V2 = `
  CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    device_id   TEXT    NOT NULL,
    payload     BLOB    NOT NULL,
    received_at TEXT    NOT NULL
  ) STRICT;
  CREATE TABLE runs (
    device_id      TEXT    NOT NULL,
    first_seq      INTEGER NOT NULL,
    last_seq       INTEGER NOT NULL,
    message_id     INTEGER NOT NULL REFERENCES messages (id),
    first_position INTEGER NOT NULL,
    PRIMARY KEY (device_id, first_seq)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE erased (
    device_id TEXT    NOT NULL,
    first_seq INTEGER NOT NULL,
    last_seq  INTEGER NOT NULL,
    event_seq INTEGER NOT NULL,
    PRIMARY KEY (device_id, first_seq, event_seq)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS devices (
    device_id  TEXT    PRIMARY KEY,
    acked_seq  INTEGER NOT NULL,
    max_seq    INTEGER NOT NULL,
    events     INTEGER NOT NULL,
    duplicates INTEGER NOT NULL,
    conflicts  INTEGER NOT NULL,
    erased     INTEGER NOT NULL DEFAULT 0
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

function hasTable(db: Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** Version 1 → 2: an index row per event becomes a row per run of consecutive seqs at consecutive positions of one message. */
function fromVersion1(db: Database): void {
  db.exec('ALTER TABLE messages RENAME TO messages_v1; ALTER TABLE events RENAME TO events_v1;');
  db.exec(LAYOUT_V2);
  db.exec('INSERT INTO messages (id, device_id, payload, received_at) SELECT id, device_id, CAST(payload AS BLOB), received_at FROM messages_v1');
  const insertRun = db.prepare('INSERT INTO runs (device_id, first_seq, last_seq, message_id, first_position) VALUES (?, ?, ?, ?, ?)');
  let run: { device: string; first: number; last: number; message: number; position: number; lastPosition: number } | undefined;
  // Read in pages (a statement cannot insert while another iterates), by key, so a large file is never all in memory.
  const page = db.prepare('SELECT device_id, seq, message_id, position FROM events_v1 WHERE (device_id, seq) > (?, ?) ORDER BY device_id, seq LIMIT 10000');
  let after: [string, number] = ['', Number.MIN_SAFE_INTEGER];
  for (;;) {
    const rows = page.all(...after) as Array<{ device_id: string; seq: number; message_id: number; position: number }>;
    if (rows.length === 0) break;
    for (const row of rows) {
      if (run && run.device === row.device_id && run.message === row.message_id && run.last === row.seq - 1 && run.lastPosition === row.position - 1) {
        run.last = row.seq;
        run.lastPosition = row.position;
        continue;
      }
      if (run) insertRun.run(run.device, run.first, run.last, run.message, run.position);
      run = { device: row.device_id, first: row.seq, last: row.seq, message: row.message_id, position: row.position, lastPosition: row.position };
    }
    const last = rows.at(-1)!;
    after = [last.device_id, last.seq];
  }
  if (run) insertRun.run(run.device, run.first, run.last, run.message, run.position);
  db.exec('DROP TABLE events_v1; DROP TABLE messages_v1;');
  // Version 1 had no erased count (nor erasures).
  db.exec('ALTER TABLE devices ADD COLUMN erased INTEGER NOT NULL DEFAULT 0');
}

/** Brings the file to the current layout, in one transaction; refuses a file newer than this code. */
export function migrateIngestStore(db: Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === INGEST_STORE_VERSION) return;
  if (version > INGEST_STORE_VERSION) throw new Error(`ingest store has layout version ${version}, newer than this ingest knows (${INGEST_STORE_VERSION})`);
  db.transaction(() => {
    if (hasTable(db, 'events')) fromVersion1(db);
    else db.exec(LAYOUT_V2);
    db.pragma(`user_version = ${INGEST_STORE_VERSION}`);
  })();
}

import Database from 'better-sqlite3';

export interface OutboxFile {
  /** Highest seq the kiosk gave out. */
  lastSeq: number;
  /** The backend's watermark the kiosk applied. */
  ackedSeq: number;
  /** Event rows in the table: those not yet acknowledged, and acknowledged ones waiting for pruning. */
  held: number;
  deposits: number;
  /** Telemetry samples waiting, and samples the disk budget dropped. */
  telemetry: number;
  telemetryDropped: number;
}

/** A kiosk's outbox as seen through a second, read-only connection (WAL allows it while the kiosk runs). */
export function readOutbox(file: string): OutboxFile {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const meta = (key: string): number => (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: number }).value;
    const count = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
    return {
      lastSeq: meta('last_seq'),
      ackedSeq: meta('acked_seq'),
      held: count('SELECT count(*) AS n FROM outbox'),
      deposits: count("SELECT count(*) AS n FROM outbox WHERE type LIKE 'deposit.%'"),
      telemetry: count('SELECT count(*) AS n FROM telemetry'),
      telemetryDropped: meta('telemetry_dropped'),
    };
  } finally {
    db.close();
  }
}

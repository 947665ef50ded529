import type { Database, Statement } from 'better-sqlite3';

/**
 * The outbox as a run of segment tables (schema version 5, docs/storage.md#schema-version-5-the-outbox-in-segments).
 *
 * Segment `outbox_seg_<firstSeq>` holds the events from firstSeq up to the next segment's firstSeq − 1. Appends go to
 * the newest segment; a new one starts when the newest spans SEGMENT_SEQS seqs. A segment below the newest whose seqs
 * are all acknowledged is dropped whole: DROP TABLE moves its pages to the free list and writes almost nothing, where
 * deleting its rows one by one rewrites every page (about ten times the CPU, measured: 35 vs 339 ms per 100k events,
 * and a page through the WAL per few rows — flash wear). The newest segment is never dropped: its acknowledged rows are
 * deleted as rows, which is cheap at the rate events are made. A view named `outbox` unites the segments, so the
 * queries a technician runs on the file read as before.
 */
export const SEGMENT_SEQS = 16_384;

/**
 * At most this many segments: past it the newest keeps growing instead. A view is one compound SELECT, which SQLite
 * limits to 500 terms; at 16,384 seqs a segment it takes a backlog of some 6.5 million events to get here.
 */
export const MAX_SEGMENTS = 400;

const PREFIX = 'outbox_seg_';

export function segmentTable(firstSeq: number): string {
  return `${PREFIX}${firstSeq}`;
}

/** The columns of every segment, and of the `outbox` view. */
export const SEGMENT_COLUMNS = 'seq, id, type, body, created_at';

export function createSegmentSql(firstSeq: number): string {
  return `CREATE TABLE ${segmentTable(firstSeq)} (
    seq        INTEGER PRIMARY KEY,
    id         TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at TEXT    NOT NULL
  ) STRICT`;
}

/** The segments' first seqs, ascending, as the file has them. */
export function listSegments(db: Database): number[] {
  const names = db.prepare<[string], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB ?").all(`${PREFIX}[0-9]*`);
  return names.map(({ name }) => Number(name.slice(PREFIX.length))).sort((a, b) => a - b);
}

/** Re-creates the `outbox` view over these segments (there is always at least one: the newest is never dropped). */
export function writeOutboxView(db: Database, firstSeqs: readonly number[]): void {
  const union = firstSeqs.map((first) => `SELECT ${SEGMENT_COLUMNS} FROM ${segmentTable(first)}`).join(' UNION ALL ');
  db.exec(`DROP VIEW IF EXISTS outbox; CREATE VIEW outbox AS ${union}`);
}

export interface OutboxSegmentSizes {
  /** Seqs a segment spans before the next one starts (default SEGMENT_SEQS). */
  segmentSeqs?: number;
  /** Segments at most (default and ceiling MAX_SEGMENTS). */
  maxSegments?: number;
}

interface SegmentStatements {
  insert: Statement<[number, string, string, string, string]>;
  /** [seq, body] rows above a seq, in order. */
  pendingAfter: Statement<[number, number], [number, string]>;
  oldestAfter: Statement<[number], { seq: number; created_at: string }>;
  deleteThrough: Statement<[number, number]>;
  deleteRange: Statement<[number, number]>;
  count: Statement<[], { n: number }>;
}

/**
 * The segment list of one connection, kept in memory, and each segment's prepared statements. The kiosk's store is
 * the outbox's only writer; after any transaction that changes segments fails, `reload` reads the list again from the
 * file, so memory never claims a segment a rollback took away.
 */
export class OutboxSegments {
  private firstSeqs: number[];
  private readonly statements = new Map<number, SegmentStatements>();

  private readonly segmentSeqs: number;
  private readonly maxSegments: number;

  /** Sizes are this connection's choice: any file works with any size (readers go by the tables' names only). */
  constructor(
    private readonly db: Database,
    sizes: OutboxSegmentSizes = {},
  ) {
    this.firstSeqs = listSegments(db);
    this.segmentSeqs = sizes.segmentSeqs ?? SEGMENT_SEQS;
    this.maxSegments = Math.min(sizes.maxSegments ?? MAX_SEGMENTS, MAX_SEGMENTS);
  }

  get list(): readonly number[] {
    return this.firstSeqs;
  }

  get newest(): number | undefined {
    return this.firstSeqs.at(-1);
  }

  /** The segment seq belongs to, or undefined when it is below every segment. */
  indexOf(seq: number): number {
    // Binary search for the last first-seq ≤ seq (the list is short, but a lookup runs per batch read).
    let low = 0;
    let high = this.firstSeqs.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.firstSeqs[middle]! <= seq) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    return found;
  }

  /** Where seq goes when it is appended: the newest segment, or a new one from seq (inside the caller's transaction). */
  forAppend(seq: number): SegmentStatements {
    const newest = this.newest;
    if (newest === undefined || (seq - newest >= this.segmentSeqs && this.firstSeqs.length < this.maxSegments)) {
      this.db.exec(createSegmentSql(seq));
      this.firstSeqs = [...this.firstSeqs, seq];
      writeOutboxView(this.db, this.firstSeqs);
      return this.of(seq);
    }
    return this.of(newest);
  }

  /** Drops a segment that is not the newest (inside the caller's transaction); returns the rows it held. */
  drop(firstSeq: number): number {
    if (firstSeq === this.newest) throw new Error(`the newest outbox segment (${firstSeq}) is never dropped`);
    const rows = this.of(firstSeq).count.get()?.n ?? 0;
    this.statements.delete(firstSeq);
    this.firstSeqs = this.firstSeqs.filter((first) => first !== firstSeq);
    this.db.exec(`DROP TABLE ${segmentTable(firstSeq)}`);
    writeOutboxView(this.db, this.firstSeqs);
    return rows;
  }

  /** First seqs of the segment holding seq and of every later one: where rows above seq − 1 are, in order. */
  from(seq: number): number[] {
    return this.firstSeqs.slice(Math.max(this.indexOf(seq), 0));
  }

  /** First seqs of the segments that can hold a seq in (afterSeq, throughSeq]. */
  overlapping(afterSeq: number, throughSeq: number): number[] {
    return this.firstSeqs.filter((first, index) => first <= throughSeq && this.lastSeqOf(index) > afterSeq);
  }

  /** The last seq a segment can hold (the next one's first − 1), or Infinity for the newest. */
  lastSeqOf(index: number): number {
    const next = this.firstSeqs[index + 1];
    return next === undefined ? Number.POSITIVE_INFINITY : next - 1;
  }

  of(firstSeq: number): SegmentStatements {
    let prepared = this.statements.get(firstSeq);
    if (!prepared) {
      const table = segmentTable(firstSeq);
      prepared = {
        insert: this.db.prepare(`INSERT INTO ${table} (${SEGMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?)`),
        // Rows as arrays: better-sqlite3 builds a keyed object per row through V8's slow path; the drain reads a backlog with this.
        pendingAfter: this.db.prepare<[number, number], [number, string]>(`SELECT seq, body FROM ${table} WHERE seq > ? ORDER BY seq LIMIT ?`).raw(),
        oldestAfter: this.db.prepare(`SELECT seq, created_at FROM ${table} WHERE seq > ? ORDER BY seq LIMIT 1`),
        // The lowest seqs first, bounded: a large acknowledgement is pruned in steps that each hold the database briefly.
        deleteThrough: this.db.prepare(`DELETE FROM ${table} WHERE seq IN (SELECT seq FROM ${table} WHERE seq <= ? ORDER BY seq LIMIT ?)`),
        deleteRange: this.db.prepare(`DELETE FROM ${table} WHERE seq > ? AND seq <= ?`),
        count: this.db.prepare(`SELECT count(*) AS n FROM ${table}`),
      };
      this.statements.set(firstSeq, prepared);
    }
    return prepared;
  }

  /** Reads the list from the file again (after a rolled-back transaction) and forgets statements of segments gone. */
  reload(): void {
    this.firstSeqs = listSegments(this.db);
    for (const first of this.statements.keys()) if (!this.firstSeqs.includes(first)) this.statements.delete(first);
  }
}

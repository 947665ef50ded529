import { readFileSync } from 'node:fs';
import type { Database, Statement } from 'better-sqlite3';
import { withRelaxedDurability } from './durability.js';

/** Bytes this process has caused to be written to storage, from /proc/self/io; undefined where the kernel does not say. */
export function processWriteBytes(ioFile = '/proc/self/io'): number | undefined {
  try {
    const match = /^write_bytes:\s*(\d+)$/m.exec(readFileSync(ioFile, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Days of per-day write counts kept in `storage_writes`. */
const KEEP_DAYS = 31;

/**
 * Counts bytes written to storage per local day and in total, across restarts
 * (schema version 3: `storage_writes` and meta `bytes_written_total`), so the
 * fleet can see flash wear before an SD card wears out. The kernel's count
 * covers everything this process writes (database, WAL, checkpoints, logs to
 * files), which is what wears the card.
 */
export class WriteMeter {
  private last: number | undefined;
  private readonly addDay: Statement<[string, number]>;
  private readonly addTotal: Statement<[number]>;
  private readonly selectDay: Statement<[string], { bytes: number }>;
  private readonly selectTotal: Statement<[], { value: number }>;
  private readonly prune: Statement<[string]>;

  constructor(
    private readonly db: Database,
    private readonly readCounter: () => number | undefined = processWriteBytes,
  ) {
    this.addDay = db.prepare('INSERT INTO storage_writes (day, bytes) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET bytes = bytes + excluded.bytes');
    this.addTotal = db.prepare("UPDATE meta SET value = value + ? WHERE key = 'bytes_written_total'");
    this.selectDay = db.prepare('SELECT bytes FROM storage_writes WHERE day = ?');
    this.selectTotal = db.prepare("SELECT value FROM meta WHERE key = 'bytes_written_total'");
    this.prune = db.prepare('DELETE FROM storage_writes WHERE day < ?');
    this.last = readCounter();
  }

  /** Adds what was written since the last call to `now`'s day; returns today's and the total count. */
  record(now: Date): { today: number; total: number } {
    const current = this.readCounter();
    const day = localDay(now);
    if (current !== undefined && this.last !== undefined && current > this.last) {
      const delta = current - this.last;
      withRelaxedDurability(this.db, () =>
        this.db.transaction(() => {
          this.addDay.run(day, delta);
          this.addTotal.run(delta);
          this.prune.run(localDay(new Date(now.getTime() - KEEP_DAYS * 86_400_000)));
        })(),
      );
    }
    this.last = current;
    return { today: this.selectDay.get(day)?.bytes ?? 0, total: this.selectTotal.get()?.value ?? 0 };
  }
}

function localDay(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

import { EventEmitter } from 'node:events';
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Logger } from '../ops/logger.js';
import type { TelemetryStore } from './telemetry-store.js';
import { walFileBytes } from './wal-file.js';

export interface StorageBudgetSettings {
  /** Most bytes the database (pages in use plus the WAL) may take. */
  budgetBytes: number;
  /** Free space the filesystem must keep; below it the kiosk acts as if the budget were reached. */
  reserveFreeBytes: number;
}

export type IntakeState = { open: true } | { open: false; reason: 'storage-budget' | 'disk-full' };

export interface StorageReport {
  usedBytes: number;
  budgetBytes: number;
  diskFreeBytes: number | null;
  diskTotalBytes: number | null;
  telemetryDropped: number;
  intake: IntakeState;
}

export interface StorageBudgetEvents {
  intake: [state: IntakeState];
}

/** Telemetry is thinned from this share of the budget, so deposits are blocked only once no telemetry is left to drop. */
const THIN_FROM = 0.9;
/** Intake reopens below this share: a little room, so it does not flap at every acknowledgement. */
const REOPEN_BELOW = 0.95;

/**
 * The written disk policy (docs/storage.md#disk-budget): telemetry is thinned
 * first and every drop counted; deposit and other events are never dropped —
 * when only they are left and the budget is reached, intake pauses (the kiosk
 * takes no new items and says why) until acknowledgements free space.
 */
export class StorageBudget extends EventEmitter<StorageBudgetEvents> {
  private state: IntakeState = { open: true };

  constructor(
    private readonly db: Database,
    private readonly databaseFile: string,
    private readonly telemetry: TelemetryStore,
    private readonly settings: StorageBudgetSettings,
    private readonly logger: Logger,
  ) {
    super();
  }

  get intake(): IntakeState {
    return this.state;
  }

  /** Bytes the database takes: pages in use (free pages are reused before the file grows) plus the WAL file. */
  usedBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize + walFileBytes(this.databaseFile);
  }

  /** Measures, thins telemetry when needed, and opens or pauses intake. Cheap enough to call before every item. */
  evaluate(): StorageReport {
    const { budgetBytes, reserveFreeBytes } = this.settings;
    let used = this.usedBytes();
    let disk = diskSpace(this.databaseFile);
    const tight = (): boolean => used > budgetBytes * THIN_FROM || (disk !== null && disk.free < reserveFreeBytes);
    if (tight()) {
      // Space freed by deletes sits in the WAL until a checkpoint; take it back before dropping anything.
      this.checkpoint();
      used = this.usedBytes();
      disk = diskSpace(this.databaseFile);
    }
    while (tight() && this.telemetry.size > 0) {
      const dropped = this.telemetry.thin();
      this.logger.warn({ dropped, usedBytes: used, budgetBytes }, 'storage budget: telemetry thinned');
      this.checkpoint();
      used = this.usedBytes();
      disk = diskSpace(this.databaseFile);
    }
    const diskFull = disk !== null && disk.free < reserveFreeBytes;
    const overBudget = used >= budgetBytes;
    let next: IntakeState = this.state;
    if (diskFull) next = { open: false, reason: 'disk-full' };
    else if (overBudget) next = { open: false, reason: 'storage-budget' };
    else if (!this.state.open && used < budgetBytes * REOPEN_BELOW) next = { open: true };
    if (next.open !== this.state.open || (!next.open && !this.state.open && next.reason !== this.state.reason)) {
      this.state = next;
      if (next.open) this.logger.info({ usedBytes: used, budgetBytes }, 'storage budget: space again, intake reopened');
      else this.logger.error({ usedBytes: used, budgetBytes, diskFreeBytes: disk?.free ?? null, reason: next.reason }, 'storage budget reached: intake paused until the backend acknowledges events');
      this.emit('intake', next);
    }
    return {
      usedBytes: used,
      budgetBytes,
      diskFreeBytes: disk?.free ?? null,
      diskTotalBytes: disk?.total ?? null,
      telemetryDropped: this.telemetry.dropped,
      intake: this.state,
    };
  }

  private checkpoint(): void {
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (error) {
      // A reader holding the WAL only delays the reclaim to a later check.
      this.logger.debug({ err: error }, 'checkpoint not possible now');
    }
  }
}

function diskSpace(file: string): { free: number; total: number } | null {
  try {
    const stats = statfsSync(dirname(file));
    return { free: stats.bavail * stats.bsize, total: stats.blocks * stats.bsize };
  } catch {
    return null;
  }
}

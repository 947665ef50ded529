import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../ops/clock.js';
import { ErrorCode, KioskError } from '../ops/errors.js';

/**
 * Small durable key-value settings (schema version 2, table `settings`): state
 * that must survive a reboot but is not configuration, such as the console's
 * credential hashes and its failed-login counter. Values are strings; callers
 * own their encoding. Keys in use are listed in docs/storage.md.
 */
export interface SettingsStore {
  get(key: string): string | undefined;
  /** Durable (fsync'd) when it returns. */
  set(key: string, value: string): void;
  delete(key: string): void;
}

export class SqliteSettingsStore implements SettingsStore {
  private readonly select: Statement<[string], { value: string }>;
  private readonly upsert: Statement<[string, string, string]>;
  private readonly remove: Statement<[string]>;

  constructor(
    db: Database,
    private readonly clock: Clock,
  ) {
    this.select = db.prepare('SELECT value FROM settings WHERE key = ?');
    this.upsert = db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at');
    this.remove = db.prepare('DELETE FROM settings WHERE key = ?');
  }

  get(key: string): string | undefined {
    return this.guard(key, () => this.select.get(key)?.value);
  }

  set(key: string, value: string): void {
    this.guard(key, () => this.upsert.run(key, value, this.clock.wallNow().toISOString()));
  }

  delete(key: string): void {
    this.guard(key, () => this.remove.run(key));
  }

  private guard<T>(key: string, action: () => T): T {
    try {
      return action();
    } catch (error) {
      // The key is safe to name; the value may be a secret and is never put in the error.
      throw new KioskError(ErrorCode.StoreFault, `settings access failed for ${key}: ${(error as Error).message}`, { key }, { cause: error });
    }
  }
}

/** In-memory twin for unit tests and tools. */
export class MemorySettingsStore implements SettingsStore {
  readonly values = new Map<string, string>();
  get(key: string): string | undefined {
    return this.values.get(key);
  }
  set(key: string, value: string): void {
    this.values.set(key, value);
  }
  delete(key: string): void {
    this.values.delete(key);
  }
}

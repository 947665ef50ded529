import type { Database, Statement } from 'better-sqlite3';
import { CommandResult } from '../../protocol/commands.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';

/**
 * The first result of every authentic command, by command id (schema v3
 * table `command_results`, docs/storage.md): what makes a command idempotent
 * across redeliveries, replays and restarts. A row is written, as
 * in-progress, before the command does anything, and updated with its final
 * result; it is forgotten after `forget_after` (the command's expiry plus a
 * margin), when a replay would be refused as expired anyway.
 */
export class CommandResultStore {
  private readonly select: Statement<[string], { result: string }>;
  private readonly insertRow: Statement<[string, string | null, string, string, string]>;
  private readonly updateRow: Statement<[string, string]>;
  private readonly selectInProgress: Statement<[], { result: string }>;
  private readonly prunes: Statement<[string]>;

  constructor(db: Database) {
    this.select = db.prepare('SELECT result FROM command_results WHERE command_id = ?');
    this.insertRow = db.prepare('INSERT OR IGNORE INTO command_results (command_id, type, result, received_at, forget_after) VALUES (?, ?, ?, ?, ?)');
    this.updateRow = db.prepare('UPDATE command_results SET result = ? WHERE command_id = ?');
    this.selectInProgress = db.prepare("SELECT result FROM command_results WHERE json_extract(result, '$.status') = 'in-progress' ORDER BY received_at");
    this.prunes = db.prepare('DELETE FROM command_results WHERE forget_after < ?');
  }

  get(commandId: string): CommandResult | undefined {
    const row = this.guard(() => this.select.get(commandId));
    return row ? parse(row.result) : undefined;
  }

  /** Records the first result of a command; false when the id is already there (nothing is overwritten). */
  insert(result: CommandResult & { commandId: string }, receivedAt: Date, forgetAfter: Date): boolean {
    return this.guard(() => this.insertRow.run(result.commandId, result.type, JSON.stringify(result), receivedAt.toISOString(), forgetAfter.toISOString()).changes === 1);
  }

  /** Replaces an in-progress result by the command's final one. */
  update(result: CommandResult & { commandId: string }): void {
    this.guard(() => this.updateRow.run(JSON.stringify(result), result.commandId));
  }

  /** Results still in progress: after a restart, each is resumed by its handler or marked interrupted. */
  inProgress(): CommandResult[] {
    return this.guard(() => this.selectInProgress.all()).map((row) => parse(row.result));
  }

  /** Forgets results whose forget_after has passed; returns how many. */
  prune(now: Date): number {
    return this.guard(() => this.prunes.run(now.toISOString()).changes);
  }

  private guard<T>(action: () => T): T {
    try {
      return action();
    } catch (error) {
      throw new KioskError(ErrorCode.StoreFault, `command results: ${(error as Error).message}`, {}, { cause: error });
    }
  }
}

function parse(text: string): CommandResult {
  return CommandResult.parse(JSON.parse(text));
}

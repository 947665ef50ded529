/**
 * The installed over-the-air models and the pointer between them
 * (layout.ts, active-pointer.ts). It decides which model directories the
 * classifier tries at start, in order:
 *
 *   pointer.current ──(missing or fails to load)──► pointer.previous ──► the factory model (classifier.modelDir)
 *
 * and it is the only writer of the pointer: activate (switch to a new
 * install, on trial), confirm (the trial passed), rollBack, and the
 * unclean-start count that rolls back a model the kiosk keeps dying with.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renameDurably } from '../../ops/durable-fs.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { Logger } from '../../ops/logger.js';
import { ACTIVE_POINTER_SCHEMA, readPointer, writePointer, type ActiveModelPointer } from './active-pointer.js';
import { INSTALL_NAME_PATTERN, POINTER_FILE, STAGING_DIR, TRASH_PREFIX } from './layout.js';

/** Where the classifier finds its model directories at start, most preferred first. */
export interface ModelSource {
  candidates(): Promise<readonly string[]>;
}

export interface ModelStoreOptions {
  /** The OTA models directory (layout.ts otaModelsRoot). */
  root: string;
  /** classifier.modelDir: the factory model, the last resort, never written to. */
  factoryDir: string;
  logger: Logger;
  now?: () => Date;
  /** Starts on trial without a clean stop after which the kiosk gives up on the new model. Default 3. */
  maxUncleanStarts?: number;
}

export type RollbackRecord = NonNullable<ActiveModelPointer['unreported']>;

export class ModelStore implements ModelSource {
  readonly root: string;
  readonly factoryDir: string;

  constructor(private readonly options: ModelStoreOptions) {
    this.root = resolve(options.root);
    this.factoryDir = resolve(options.factoryDir);
  }

  /** The pointer as on disk; null when there is none or it cannot be used (then the factory model is current). */
  pointer(): ActiveModelPointer | null {
    const read = readPointer(this.root);
    if (read.state === 'invalid') this.options.logger.warn({ problem: read.problem }, 'the active-model pointer is unusable; using the factory model');
    return read.state === 'valid' ? read.pointer : null;
  }

  dirOf(name: string): string {
    return join(this.root, name);
  }

  /** The install name of a model directory inside this store; null for the factory model or anything else. */
  nameOf(directory: string | undefined): string | null {
    if (directory === undefined) return null;
    const absolute = resolve(directory);
    const name = absolute.slice(this.root.length + 1);
    return absolute.startsWith(`${this.root}/`) && INSTALL_NAME_PATTERN.test(name) ? name : null;
  }

  isInstalled(name: string): boolean {
    return existsSync(join(this.dirOf(name), 'manifest.json'));
  }

  /**
   * Called once by the classifier's start(). A model still on trial counts one
   * more unclean start here (a clean stop takes it back, noteCleanStop); past
   * the limit the pointer rolls back before anything is loaded, and the
   * rollback waits in the pointer to be reported.
   */
  candidates(): Promise<readonly string[]> {
    let pointer = this.pointer();
    if (pointer?.trial && pointer.current !== null) {
      const uncleanStarts = pointer.trial.uncleanStarts + 1;
      const limit = this.options.maxUncleanStarts ?? 3;
      if (uncleanStarts > limit) {
        const reason = `the kiosk started ${uncleanStarts - 1} times with ${pointer.current} on trial without a clean stop`;
        this.options.logger.error({ model: pointer.current, restored: pointer.previous ?? 'factory' }, `${reason}; rolling back`);
        pointer = this.tryWrite(this.rolledBack(pointer, pointer.previous, { code: ErrorCode.OtaRolledBack, reason }));
      } else {
        pointer = this.tryWrite({ ...pointer, trial: { ...pointer.trial, uncleanStarts } });
      }
    }
    const installed = [pointer?.current, pointer?.previous].filter((name): name is string => typeof name === 'string');
    const present = installed.filter((name) => {
      const found = this.isInstalled(name);
      if (!found) this.options.logger.warn({ model: name, root: this.root }, 'an installed model named by the pointer is missing');
      return found;
    });
    return Promise.resolve([...present.map((name) => this.dirOf(name)), this.factoryDir]);
  }

  /** Switches to `name` (completely installed and smoke-tested), on trial; `previous` is what ran until now (null: factory). */
  activate(name: string, previous: string | null, commandId: string | null): ActiveModelPointer {
    const now = this.now();
    const pointer: ActiveModelPointer = {
      schema: ACTIVE_POINTER_SCHEMA,
      current: name,
      previous: previous === name ? null : previous,
      trial: { since: now, uncleanStarts: 0, commandId },
      unreported: this.pointer()?.unreported ?? null,
      updatedAt: now,
    };
    this.write(pointer);
    return pointer;
  }

  /** The model on trial passed its health check. */
  confirm(): void {
    const pointer = this.pointer();
    if (!pointer?.trial) return;
    this.write({ ...pointer, trial: null, updatedAt: this.now() });
  }

  /** Makes `restored` current again (null: the factory model). With a record, the rollback is kept until reported. */
  rollBack(restored: string | null, record?: { code: number; reason: string }): void {
    const pointer = this.pointer();
    if (!pointer) return;
    this.write(record ? this.rolledBack(pointer, restored, record) : { ...pointer, current: restored, previous: null, trial: null, updatedAt: this.now() });
  }

  clearUnreported(): void {
    const pointer = this.pointer();
    if (pointer?.unreported) this.write({ ...pointer, unreported: null, updatedAt: this.now() });
  }

  /** A clean stop while on trial: the start it counted was not a crash. */
  noteCleanStop(): void {
    const pointer = this.pointer();
    if (!pointer?.trial || pointer.trial.uncleanStarts === 0) return;
    this.tryWrite({ ...pointer, trial: { ...pointer.trial, uncleanStarts: pointer.trial.uncleanStarts - 1 } });
  }

  /**
   * Deletes installed models other than current, previous and `keep` (the
   * directory the classifier actually runs, in case it fell back), and
   * leftovers of interrupted deletes. Each goes by a rename to .trash-* first.
   */
  collectGarbage(keep: readonly string[] = []): string[] {
    if (!existsSync(this.root)) return [];
    const pointer = this.pointer();
    const kept = new Set([pointer?.current, pointer?.previous, ...keep].filter((name): name is string => typeof name === 'string'));
    const removed: string[] = [];
    for (const entry of readdirSync(this.root)) {
      if (entry === POINTER_FILE || entry === STAGING_DIR || kept.has(entry)) continue;
      const leftover = entry.startsWith(TRASH_PREFIX) || entry.startsWith(`${POINTER_FILE}.tmp-`);
      if (!leftover && !INSTALL_NAME_PATTERN.test(entry)) continue;
      try {
        removeDirectory(this.root, entry);
        if (!leftover) removed.push(entry);
      } catch (error) {
        this.options.logger.warn({ err: error, entry }, 'could not remove an old model directory');
      }
    }
    if (removed.length > 0) this.options.logger.info({ removed }, 'old models removed');
    return removed;
  }

  /** Deletes one installed model directory (rename to .trash-*, then delete), if present. Never the pointer's current one. */
  removeInstalled(name: string): void {
    if (this.pointer()?.current === name) throw new KioskError(ErrorCode.OtaInstallFailed, `${name} is the active model and cannot be removed`, { name });
    if (existsSync(this.dirOf(name))) removeDirectory(this.root, name);
  }

  ensureRoot(): void {
    mkdirSync(this.root, { recursive: true });
  }

  private rolledBack(pointer: ActiveModelPointer, restored: string | null, record: { code: number; reason: string }): ActiveModelPointer {
    const now = this.now();
    return {
      ...pointer,
      current: restored,
      previous: null,
      trial: null,
      unreported: {
        model: pointer.current ?? 'factory',
        restored: restored ?? 'factory',
        code: record.code,
        reason: record.reason.slice(0, 500),
        commandId: pointer.trial?.commandId ?? null,
        at: now,
      },
      updatedAt: now,
    };
  }

  private write(pointer: ActiveModelPointer): void {
    try {
      this.ensureRoot();
      writePointer(this.root, pointer);
    } catch (error) {
      throw new KioskError(ErrorCode.OtaInstallFailed, `cannot write the active-model pointer in ${this.root}: ${(error as Error).message}`, { root: this.root }, { cause: error });
    }
  }

  /** At start a pointer that cannot be written (read-only or full disk) must not stop the classifier: log, go on with what is known. */
  private tryWrite(next: ActiveModelPointer): ActiveModelPointer {
    try {
      this.write(next);
    } catch (error) {
      this.options.logger.error({ err: error }, 'could not update the active-model pointer; going on with it in memory');
    }
    return next;
  }

  private now(): string {
    return (this.options.now?.() ?? new Date()).toISOString();
  }
}

function removeDirectory(root: string, entry: string): void {
  let target = join(root, entry);
  if (!entry.startsWith(TRASH_PREFIX)) {
    const trash = join(root, `${TRASH_PREFIX}${entry}-${process.pid}-${Date.now()}`);
    renameDurably(target, trash);
    target = trash;
  }
  rmSync(target, { recursive: true, force: true });
}

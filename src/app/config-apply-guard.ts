/**
 * `config apply` with a safety net that works even when the new config stops
 * the process from starting at all:
 *
 *   apply (console):  live -> <config>.last-good   marker <config>.pending-apply   candidate -> live   restart (exit 75)
 *   next start (main.ts, before the config is even read):
 *     marker present ─ config refused / start-up throws ───────► roll back, exit 75 (the service restarts into last-good)
 *                    ─ started, but not healthy within the marker's bound ─► roll back, stop, exit 75
 *                    ─ healthy ─────────────────────────────────► clear the marker: the new config stays
 *                    ─ a previous start with the marker never finished (crash, kill) ─► roll back before reading it
 *
 * Healthy means started, and, when the apply changed how the kiosk reaches the
 * broker, connected to it: a wrong broker URL or password must not cut a kiosk
 * off from its backend for good. The outcome is kept in <config>.apply-result
 * until the running kiosk has logged and audited it once.
 *
 * Every file is replaced atomically (write temp, fsync, rename); each holds
 * what a config may hold (the broker password), so they are mode 0600.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { readJsonFile, removeFileDurably, writeFileAtomic } from './console-settings/atomic-file.js';

export const PendingApply = z
  .object({
    appliedAt: z.string(),
    technician: z.string().nullable(),
    /** Longest wait, after start-up, for the new config to become healthy. */
    healthTimeoutMs: z.number().int().positive(),
    /** The apply changed the broker settings: healthy also needs a broker connection. */
    requireBroker: z.boolean(),
    /** Starts begun with this marker; a second one means the first never finished. */
    starts: z.number().int().min(0),
  })
  .strict();
export type PendingApply = z.infer<typeof PendingApply>;

export const ApplyOutcome = z
  .object({
    outcome: z.enum(['applied', 'rolled-back']),
    at: z.string(),
    technician: z.string().nullable(),
    /** Why it was rolled back; null when applied. Never a secret (error messages name fields and files, not values). */
    reason: z.string().nullable(),
    /** The running kiosk has logged and audited it. */
    reported: z.boolean(),
  })
  .strict();
export type ApplyOutcome = z.infer<typeof ApplyOutcome>;

export interface ApplyFiles {
  live: string;
  candidate: string;
  lastGood: string;
  pending: string;
  outcome: string;
}

/** The console's files beside the live config (absolute path). */
export function applyFilesFor(configFile: string): ApplyFiles {
  return {
    live: configFile,
    candidate: `${configFile}.candidate`,
    lastGood: `${configFile}.last-good`,
    pending: `${configFile}.pending-apply`,
    outcome: `${configFile}.apply-result`,
  };
}

export class ConfigApplyGuard {
  readonly files: ApplyFiles;

  constructor(
    configFile: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.files = applyFilesFor(configFile);
  }

  pending(): PendingApply | undefined {
    const parsed = PendingApply.safeParse(readJsonFile(this.files.pending));
    return parsed.success ? parsed.data : undefined;
  }

  outcome(): ApplyOutcome | undefined {
    try {
      const parsed = ApplyOutcome.safeParse(readJsonFile(this.files.outcome));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The console's apply: keeps the live file as last-known-good, writes the
   * marker, then puts `document` live. The marker goes first so that a power
   * cut at any point leaves either the old config or a guarded new one.
   */
  apply(document: string, options: Omit<PendingApply, 'appliedAt' | 'starts'>): PendingApply {
    const pending: PendingApply = { ...options, appliedAt: this.now().toISOString(), starts: 0 };
    writeFileAtomic(this.files.lastGood, readFileSync(this.files.live));
    writeFileAtomic(this.files.pending, JSON.stringify(pending));
    writeFileAtomic(this.files.live, document);
    return pending;
  }

  /**
   * Called by main.ts first thing. Counts this start against the marker and
   * returns it while an apply is on probation. When an earlier start with the
   * marker never finished (the process died before it could roll back), rolls
   * back now and returns undefined: this start then reads last-known-good.
   */
  beginStart(): { pending: PendingApply | undefined; rolledBack: string | undefined } {
    let pending: PendingApply | undefined;
    try {
      pending = this.pending();
    } catch {
      pending = undefined;
    }
    if (!pending) {
      // A marker that is unreadable is no marker; it must not block starts forever.
      if (existsSync(this.files.pending)) removeFileDurably(this.files.pending);
      return { pending: undefined, rolledBack: undefined };
    }
    if (pending.starts >= 1) {
      const reason = 'a start with the applied config never finished (the process died)';
      this.rollBack(reason, pending);
      return { pending: undefined, rolledBack: reason };
    }
    const counted = { ...pending, starts: pending.starts + 1 };
    writeFileAtomic(this.files.pending, JSON.stringify(counted));
    return { pending: counted, rolledBack: undefined };
  }

  /** Restores last-known-good over the live file, clears the marker and records why. */
  rollBack(reason: string, pending: PendingApply | undefined = this.pending()): void {
    if (existsSync(this.files.lastGood)) writeFileAtomic(this.files.live, readFileSync(this.files.lastGood));
    this.record({ outcome: 'rolled-back', at: this.now().toISOString(), technician: pending?.technician ?? null, reason, reported: false });
    removeFileDurably(this.files.pending);
  }

  /** The new config proved healthy: it stays. last-known-good keeps the previous one. */
  confirm(pending: PendingApply): void {
    this.record({ outcome: 'applied', at: this.now().toISOString(), technician: pending.technician, reason: null, reported: false });
    removeFileDurably(this.files.pending);
  }

  markReported(outcome: ApplyOutcome): void {
    this.record({ ...outcome, reported: true });
  }

  private record(outcome: ApplyOutcome): void {
    writeFileAtomic(this.files.outcome, JSON.stringify(outcome));
  }
}

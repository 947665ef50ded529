/**
 * The running half of `config apply`'s safety net (see config-apply-guard.ts):
 * once the kiosk has started, decides whether an applied config on probation
 * stays, and reports the outcome of the last apply exactly once, as a log line
 * and as an audited console.command event (transport "startup") that syncs to
 * the backend like any technician command.
 */
import { ErrorCode } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import type { EventStore } from '../store/event-store.js';
import type { Uplink } from '../sync/uplink.js';
import type { ConfigApplyGuard, PendingApply } from './config-apply-guard.js';

export interface ApplySupervisorOptions {
  guard: ConfigApplyGuard;
  /** The marker this start runs under (from guard.beginStart()), if any. */
  pending: PendingApply | undefined;
  uplink: Pick<Uplink, 'isConnected' | 'once' | 'off'>;
  store: Pick<EventStore, 'append'>;
  logger: Logger;
  /** Called after the live config was rolled back while running: stop and exit for a restart. */
  onRolledBack(reason: string): void;
  /** Called once an apply on probation has been kept (the fleet's shadow reports it). */
  onConfirmed?(): void;
}

/** Starts supervising; returns a function that cancels a pending health wait (at shutdown). */
export function superviseApply(options: ApplySupervisorOptions): () => void {
  const { guard, pending, uplink, logger } = options;
  if (!pending) {
    reportApplyOutcome(options);
    return () => undefined;
  }
  const confirm = (): void => {
    guard.confirm(pending);
    reportApplyOutcome(options);
    options.onConfirmed?.();
  };
  if (!pending.requireBroker || uplink.isConnected) {
    confirm();
    return () => undefined;
  }
  logger.info({ healthTimeoutMs: pending.healthTimeoutMs }, 'applied config on probation: waiting for the broker connection');
  const onConnected = (): void => {
    clearTimeout(timer);
    confirm();
  };
  const timer = setTimeout(() => {
    uplink.off('connected', onConnected);
    const reason = `not connected to the broker within ${Math.round(pending.healthTimeoutMs / 100) / 10} s of start-up`;
    guard.rollBack(reason, pending);
    logger.error({ reason }, 'config apply rolled back: restored the last-known-good config; restarting');
    options.onRolledBack(reason);
  }, pending.healthTimeoutMs);
  uplink.once('connected', onConnected);
  return () => {
    clearTimeout(timer);
    uplink.off('connected', onConnected);
  };
}

/** Logs and audits the last apply's outcome once (after the restart that follows it). */
export function reportApplyOutcome(options: Pick<ApplySupervisorOptions, 'guard' | 'store' | 'logger'>): void {
  const { guard, store, logger } = options;
  const outcome = guard.outcome();
  if (!outcome || outcome.reported) return;
  if (outcome.outcome === 'rolled-back') {
    logger.warn({ reason: outcome.reason, technician: outcome.technician, at: outcome.at }, 'config apply rolled back');
  } else {
    logger.info({ technician: outcome.technician, at: outcome.at }, 'config apply confirmed');
  }
  try {
    store.append({
      type: 'console.command',
      payload: {
        command: 'config',
        args: ['apply'],
        outcome: outcome.outcome === 'applied' ? 'ok' : 'error',
        errorCode: outcome.outcome === 'applied' ? null : ErrorCode.ConfigRolledBack,
        technician: outcome.technician,
        transport: 'startup',
        detail: (outcome.outcome === 'applied' ? 'applied config is healthy and stays' : `rolled back to last-known-good: ${outcome.reason ?? 'unknown'}`).slice(0, 500),
        durationMs: 0,
      },
    });
    guard.markReported(outcome);
  } catch (error) {
    logger.error({ err: error }, 'config apply outcome not audited');
  }
}

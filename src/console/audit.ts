import type { Logger } from '../ops/logger.js';
import type { ConsoleCommandPayload } from '../protocol/events.js';
import type { EventStore } from '../store/event-store.js';

export type CommandAuditRecord = ConsoleCommandPayload;

/** Where the shell reports every command it ran (or refused). */
export interface ConsoleAudit {
  record(entry: CommandAuditRecord): void;
}

export const REDACTED = '[redacted]';
const MAX_ARGS = 32;
const MAX_ARG_CHARS = 256;

/** Bounds arguments to what the console.command schema allows. */
export function boundArgs(args: readonly string[]): string[] {
  const bounded = args.slice(0, MAX_ARGS).map((arg) => (arg.length > MAX_ARG_CHARS ? `${arg.slice(0, MAX_ARG_CHARS - 1)}…` : arg));
  if (args.length > MAX_ARGS) bounded[MAX_ARGS - 1] = `…${args.length - MAX_ARGS + 1} more`;
  return bounded;
}

/**
 * Audit through the outbox: each command becomes a `console.command` event that
 * syncs to the backend like any other. A store failure is logged, never thrown
 * into the console: an audit problem must not take the technician's console away.
 */
export function eventStoreAudit(store: Pick<EventStore, 'append'>, logger: Logger): ConsoleAudit {
  return {
    record(entry) {
      try {
        store.append({ type: 'console.command', payload: { ...entry, args: boundArgs(entry.args) } });
      } catch (error) {
        logger.error({ err: error, command: entry.command }, 'console command not audited');
      }
    },
  };
}

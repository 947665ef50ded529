/**
 * The typed table the wiring layer (src/app/fleet-commands/) fills with what
 * each command type does: src/sync never imports hardware, the app layer
 * never parses or verifies a command. A type with no handler is answered
 * `failed` with [E412] (model.update until the OTA module fills its slot).
 */
import type { KioskCommand, KioskCommandType } from '../../protocol/commands.js';

export type CommandOf<T extends KioskCommandType> = Extract<KioskCommand, { type: T }>;

export interface CommandContext<T extends KioskCommandType> {
  /** Verified, for this kiosk, within its validity window, and run for the first time. */
  command: CommandOf<T>;
  /** Aborted when the kiosk stops: the handler gives up and throws. */
  signal: AbortSignal;
}

export interface CommandOutcome {
  /**
   * ok: done, `data` is the answer. in-progress: accepted, and the final
   * result follows later through CommandFinisher.finish (model.update, and
   * config.update, whose outcome is known only after the restart).
   */
  status: 'ok' | 'in-progress';
  data: Record<string, unknown> | null;
  /** Runs once the result has been published (or could not be): a restart waits until the backend has its answer. */
  afterPublish?: () => void;
}

export interface CommandHandler<T extends KioskCommandType> {
  /** Throws to fail the command: a KioskError's code and message become the result's error. */
  run(context: CommandContext<T>): Promise<CommandOutcome>;
  /**
   * After a restart, an in-progress result of this type is left open when
   * this says the handler will finish it; otherwise it is marked failed [E415].
   */
  resumes?(commandId: string): boolean;
}

export type CommandHandlers = { [T in KioskCommandType]?: CommandHandler<T> };

/** How a handler that answered in-progress delivers the final result, possibly in a later process. */
export interface CommandFinisher {
  finish(commandId: string, outcome: { status: 'ok'; data: Record<string, unknown> | null } | { status: 'failed'; error: { code: number; message: string }; data?: Record<string, unknown> | null }): void;
}

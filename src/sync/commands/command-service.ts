/**
 * The backend's commands, end to end on the kiosk:
 *
 *   uplink "message" (commands) ──bounded queue──► authenticate ──► first result stored? ──yes──► republish it (duplicate: true)
 *                                                      │ refused                 │ no
 *                                                      ▼                         ▼
 *                                         rejected result (rate-limited)   time window ──refused──► rejected result
 *                                                                                │
 *                                                              row "in-progress" (SQLite) ──► handler ──► final result stored, published
 *
 * Nothing is done before a command is authentic, for this kiosk, valid now and
 * recorded; a rejection changes nothing, not even the table (so a forged
 * message cannot claim the id of a real command). docs/protocol.md#commands.
 */
import type { Clock } from '../../ops/clock.js';
import { ErrorCode, isKioskError } from '../../ops/errors.js';
import type { Logger } from '../../ops/logger.js';
import type { CommandResult, KioskCommand, KioskCommandType } from '../../protocol/commands.js';
import { topicSettings } from '../../protocol/topics.js';
import { TokenBucket } from '../token-bucket.js';
import type { DownlinkMessage, Uplink } from '../uplink.js';
import type { CommandFinisher, CommandHandler, CommandHandlers, CommandOutcome } from './command-handlers.js';
import { boundedResult, commandResult } from './command-result.js';
import type { CommandResultStore } from './command-result-store.js';
import { authenticateCommand, checkCommandWindow, type CommandRefusal } from './command-verifier.js';
import type { FleetKeyring } from './fleet-keyring.js';

/**
 * Rejection results: at most REJECTION_BURST at once, then one every
 * 60 / REJECTIONS_PER_MINUTE s. A flood of garbage costs the broker this
 * little; the rest are counted and logged, never answered.
 */
export const REJECTIONS_PER_MINUTE = 6;
export const REJECTION_BURST = 10;
/** Messages waiting for verification; more are dropped unanswered (a flood must not grow memory). */
export const COMMAND_QUEUE_MAX = 32;
/** A result is remembered until the command's expiry plus this: longer than any clock skew a replay could exploit. */
export const FORGET_MARGIN_MS = 60 * 60 * 1000;
/** Final results waiting for a connection (a deferred result finished while offline). */
const UNSENT_MAX = 64;
/** How long stop() waits for running handlers to give up. */
const STOP_WAIT_MS = 3000;

export interface CommandServiceOptions {
  uplink: Uplink;
  deviceId: string;
  keyring: FleetKeyring;
  results: CommandResultStore;
  clock: Clock;
  logger: Logger;
  handlers?: CommandHandlers;
  /** Monotonic ms for the rejection limit; performance.now unless a test drives it. */
  now?: () => number;
}

export class CommandService implements CommandFinisher {
  private readonly handlers: CommandHandlers;
  private readonly rejections: TokenBucket;
  /** Repeats of a stored id are answered under the same limit, in their own bucket: a replayed capture cannot flood either. */
  private readonly repeats: TokenBucket;
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private dropped = 0;
  private suppressed = 0;
  private running = false;
  private readonly active = new Map<string, Promise<void>>();
  private readonly unsent: CommandResult[] = [];
  private stopping = new AbortController();
  private readonly onMessage = (message: DownlinkMessage): void => this.enqueue(message);
  private readonly onConnected = (): void => this.flushUnsent();

  constructor(private readonly options: CommandServiceOptions) {
    this.handlers = { ...options.handlers };
    const now = options.now ?? (() => performance.now());
    this.rejections = new TokenBucket(REJECTIONS_PER_MINUTE / 60, REJECTION_BURST, now);
    this.repeats = new TokenBucket(REJECTIONS_PER_MINUTE / 60, REJECTION_BURST, now);
  }

  /** Fills (or replaces) the handler of one command type: the wiring's typed slot, e.g. model.update by the OTA module. */
  register<T extends KioskCommandType>(type: T, handler: CommandHandler<T>): void {
    (this.handlers as Record<T, CommandHandler<T>>)[type] = handler;
  }

  /** Forgets expired results, closes what a restart interrupted, then listens. Call before the uplink starts. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = new AbortController();
    const { results, uplink, clock, logger } = this.options;
    const pruned = results.prune(clock.wallNow());
    for (const open of results.inProgress()) {
      const handler = open.type === null ? undefined : this.handlerFor(open.type);
      if (open.commandId !== null && handler?.resumes?.(open.commandId)) continue;
      this.complete(open, { status: 'failed', error: { code: ErrorCode.CommandInterrupted, message: `[E${ErrorCode.CommandInterrupted}] the runtime restarted before the command finished` } });
    }
    if (pruned > 0) logger.debug({ pruned }, 'forgot expired command results');
    uplink.on('message', this.onMessage);
    uplink.on('connected', this.onConnected);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    const { uplink } = this.options;
    uplink.off('message', this.onMessage);
    uplink.off('connected', this.onConnected);
    this.stopping.abort(new Error('the kiosk is stopping'));
    const settled = Promise.allSettled([this.chain, ...this.active.values()]);
    await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
  }

  finish(commandId: string, outcome: Parameters<CommandFinisher['finish']>[1]): void {
    const stored = this.options.results.get(commandId);
    if (!stored) {
      this.options.logger.warn({ commandId }, 'a deferred command finished, but its result is no longer stored');
      return;
    }
    this.complete(stored, outcome);
  }

  private complete(stored: CommandResult, outcome: Parameters<CommandFinisher['finish']>[1]): void {
    if (stored.commandId === null) return;
    const fields = outcome.status === 'ok' ? { status: 'ok' as const, data: outcome.data } : { status: 'failed' as const, error: outcome.error, data: outcome.data ?? null };
    const final = boundedResult(commandResult(this.options.deviceId, { commandId: stored.commandId, type: stored.type, ...fields }, this.options.clock.wallNow()));
    this.options.results.update({ ...final, commandId: stored.commandId });
    this.options.logger.info({ commandId: stored.commandId, type: stored.type, status: final.status, code: final.error?.code }, 'command finished');
    void this.publish(final, { keepIfOffline: true });
  }

  private enqueue(message: DownlinkMessage): void {
    if (message.name !== 'commands' || !this.running) return;
    if (this.queued >= COMMAND_QUEUE_MAX) {
      if (this.dropped++ === 0) this.options.logger.warn({ queued: this.queued }, 'command messages arrive faster than they are checked; dropping unanswered');
      return;
    }
    this.queued += 1;
    this.chain = this.chain
      .then(() => this.handle(message))
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'command message handling failed'))
      .finally(() => {
        this.queued -= 1;
        if (this.queued === 0 && this.dropped > 0) {
          this.options.logger.warn({ dropped: this.dropped }, 'command messages dropped unanswered while the queue was full');
          this.dropped = 0;
        }
      });
  }

  private async handle(message: DownlinkMessage): Promise<void> {
    const { keyring, deviceId, results, clock, logger } = this.options;
    const verdict = await authenticateCommand(message.payload, { keyring, deviceId, maxBytes: topicSettings.commands.maxBytes ?? message.payload.length, tooLarge: message.tooLarge });
    if (!verdict.ok) return this.reject(verdict, message.payload.length);
    const { command } = verdict;
    const first = results.get(command.id);
    if (first) {
      if (!this.repeats.take(1)) {
        this.suppressed += 1;
        return;
      }
      logger.info({ commandId: command.id, type: command.type, status: first.status }, 'repeated command id: answering with the first result');
      await this.publish({ ...first, duplicate: true }, { keepIfOffline: false });
      return;
    }
    const now = clock.wallNow();
    const outside = checkCommandWindow(command, now.getTime());
    if (outside) return this.reject(outside, message.payload.length);
    const progress = commandResult(deviceId, { commandId: command.id, type: command.type, status: 'in-progress' }, now);
    const forgetAfter = new Date(Date.parse(command.expiresAt) + FORGET_MARGIN_MS);
    try {
      results.prune(now);
      results.insert({ ...progress, commandId: command.id }, now, forgetAfter);
    } catch (error) {
      // Without its row the command could run twice: it does not run at all.
      logger.error({ err: error, commandId: command.id }, 'cannot record the command; not running it');
      await this.publish(this.failedResult(command, error), { keepIfOffline: false });
      return;
    }
    logger.info({ commandId: command.id, type: command.type, kid: verdict.kid }, 'command accepted');
    const run = this.run(command).finally(() => this.active.delete(command.id));
    this.active.set(command.id, run);
  }

  private async run(command: KioskCommand): Promise<void> {
    const { deviceId, results, clock, logger } = this.options;
    const handler = this.handlerFor(command.type);
    let result: CommandResult;
    let outcome: CommandOutcome | undefined;
    if (!handler) {
      result = commandResult(deviceId, { commandId: command.id, type: command.type, status: 'failed', error: { code: ErrorCode.CommandNotAvailable, message: `[E${ErrorCode.CommandNotAvailable}] ${command.type} is not available on this kiosk` } }, clock.wallNow());
    } else {
      try {
        // The table is keyed by type, so this handler takes this command.
        outcome = await (handler as CommandHandler<typeof command.type>).run({ command: command as never, signal: this.stopping.signal });
        result = boundedResult(commandResult(deviceId, { commandId: command.id, type: command.type, status: outcome.status, data: outcome.data }, clock.wallNow()));
      } catch (error) {
        result = this.failedResult(command, error);
      }
    }
    try {
      results.update({ ...result, commandId: command.id });
    } catch (error) {
      logger.error({ err: error, commandId: command.id }, 'cannot store the command result');
    }
    logger.info({ commandId: command.id, type: command.type, status: result.status, code: result.error?.code }, result.status === 'failed' ? 'command failed' : 'command answered');
    await this.publish(result, { keepIfOffline: true });
    if (outcome?.afterPublish && result.status !== 'failed') outcome.afterPublish();
  }

  private failedResult(command: KioskCommand, error: unknown): CommandResult {
    // A stop cuts a running command short, whatever it threw on the way out.
    if (this.stopping.signal.aborted) {
      const interrupted = ErrorCode.CommandInterrupted;
      return commandResult(this.options.deviceId, { commandId: command.id, type: command.type, status: 'failed', error: { code: interrupted, message: `[E${interrupted}] the kiosk stopped before the command finished` } }, this.options.clock.wallNow());
    }
    const code = isKioskError(error) ? error.code : ErrorCode.CommandFailed;
    const message = isKioskError(error) ? error.message : `[E${code}] ${(error as Error).message}`;
    return commandResult(this.options.deviceId, { commandId: command.id, type: command.type, status: 'failed', error: { code, message } }, this.options.clock.wallNow());
  }

  private async reject(refusal: CommandRefusal, bytes: number): Promise<void> {
    const { deviceId, clock, logger } = this.options;
    if (!this.rejections.take(1)) {
      this.suppressed += 1;
      return;
    }
    const suppressed = this.suppressed;
    this.suppressed = 0;
    logger.warn({ rejection: refusal.rejection, detail: refusal.detail, commandId: refusal.commandId, type: refusal.type, bytes, ...(suppressed > 0 ? { suppressedBefore: suppressed } : {}) }, 'command rejected');
    const result = commandResult(
      deviceId,
      {
        commandId: refusal.commandId,
        type: refusal.type,
        status: 'rejected',
        rejection: refusal.rejection,
        error: { code: ErrorCode.CommandRejected, message: `[E${ErrorCode.CommandRejected}] ${refusal.rejection}: ${refusal.detail}` },
        data: refusal.data,
      },
      clock.wallNow(),
    );
    await this.publish(result, { keepIfOffline: false });
  }

  private handlerFor(type: string): CommandHandler<KioskCommandType> | undefined {
    return (this.handlers as Record<string, CommandHandler<KioskCommandType> | undefined>)[type];
  }

  private async publish(result: CommandResult, options: { keepIfOffline: boolean }): Promise<void> {
    try {
      await this.options.uplink.publish('command-results', JSON.stringify(result));
    } catch (error) {
      if (options.keepIfOffline && this.unsent.length < UNSENT_MAX) this.unsent.push(result);
      this.options.logger.warn({ err: error, commandId: result.commandId, kept: options.keepIfOffline }, 'could not publish a command result');
    }
  }

  private flushUnsent(): void {
    for (const result of this.unsent.splice(0)) void this.publish(result, { keepIfOffline: true });
  }
}

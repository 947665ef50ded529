/**
 * The `model.update` command, on top of the ModelUpdater:
 *
 *   command (authentic, src/sync/commands) ──► package signature (fleet key with use "models") ──bad──► failed E430/E431
 *     └─ good ──► result in-progress {model, totalBytes} ──► update runs ──► final result ok | failed (CommandFinisher)
 *
 * Across a restart the command stays open and is finished by this process:
 * an interrupted download is resumed (resumeAfterStart), an update that had
 * already switched answers ok, one rolled back while starting answers failed.
 * A fault after the final result (the health check) is reported as a
 * model.update-failed event only: a command has one final result.
 */
import { ErrorCode } from '../../ops/errors.js';
import type { Logger } from '../../ops/logger.js';
import type { CommandFinisher, CommandHandler, CommandContext, CommandOutcome } from '../commands/command-handlers.js';
import type { FleetKeyring } from '../commands/fleet-keyring.js';
import type { ModelStore } from '../../vision/model-store/model-store.js';
import type { ModelUpdater } from './model-updater.js';
import { outcomeData, type UpdateOutcome, type UpdateProgress } from './update-outcome.js';
import { verifyModelPackage } from './verify-model-package.js';

export interface ModelUpdateHandlerParts {
  updater: ModelUpdater;
  store: Pick<ModelStore, 'pointer'>;
  keyring: FleetKeyring;
  /** Where final results go: the command service (set after both exist). */
  finisher: () => CommandFinisher;
  logger: Logger;
}

export class ModelUpdateHandler implements CommandHandler<'model.update'> {
  /** Outcomes the updater reported while starting (a rollback of a model on trial), by command id. */
  private readonly startOutcomes = new Map<string, UpdateOutcome>();
  /** Open commands from before the restart that this process finishes. */
  private readonly adopted = new Set<string>();
  private readonly onOutcome = (outcome: UpdateOutcome): void => {
    if (outcome.commandId !== null) this.startOutcomes.set(outcome.commandId, outcome);
  };

  constructor(private readonly parts: ModelUpdateHandlerParts) {
    parts.updater.on('outcome', this.onOutcome);
  }

  async run({ command }: CommandContext<'model.update'>): Promise<CommandOutcome> {
    const { updater, keyring, logger } = this.parts;
    // A bad package signature throws E430 (E431 for a malformed package): the command fails, nothing is downloaded.
    const pkg = await verifyModelPackage(command.params.package, keyring);
    const model = `${pkg.name}@${pkg.version}`;
    const totalBytes = pkg.files.reduce((sum, file) => sum + file.sizeBytes, 0);
    const log = logger.child({ commandId: command.id, model });
    void updater.update(pkg, { commandId: command.id, onProgress: progressLogger(log) }).then((outcome) => this.finish(command.id, outcome));
    return { status: 'in-progress', data: { model, totalBytes, files: pkg.files.length } };
  }

  resumes(commandId: string): boolean {
    const { updater, store } = this.parts;
    const ours = updater.pendingCommandId() === commandId || store.pointer()?.trial?.commandId === commandId || this.startOutcomes.has(commandId);
    if (ours) this.adopted.add(commandId);
    return ours;
  }

  /** After the command service has started: finishes the commands resumes() kept open, resuming an interrupted download. */
  resumeAfterStart(): void {
    const { updater, store } = this.parts;
    this.parts.updater.off('outcome', this.onOutcome);
    const pending = updater.pendingCommandId();
    for (const commandId of this.adopted) {
      if (commandId === pending) continue;
      const reported = this.startOutcomes.get(commandId);
      if (reported) this.finish(commandId, reported);
      else if (store.pointer()?.trial?.commandId === commandId) {
        this.parts.finisher().finish(commandId, { status: 'ok', data: { model: updater.activeModel(), resumedAfterRestart: true } });
      }
    }
    const resumed = updater.resumePending({ onProgress: progressLogger(this.parts.logger.child({ commandId: pending })) });
    void resumed?.then((outcome) => {
      if (outcome.commandId !== null && this.adopted.has(outcome.commandId)) this.finish(outcome.commandId, outcome);
    });
    this.startOutcomes.clear();
  }

  private finish(commandId: string, outcome: UpdateOutcome): void {
    // Cancelled only by the kiosk stopping: the command stays in progress, and the next start resumes and finishes it.
    if (outcome.status === 'failed' && outcome.error.code === ErrorCode.OtaCancelled) return;
    const data = outcomeData(outcome);
    this.parts.finisher().finish(commandId, outcome.status === 'ok' ? { status: 'ok', data } : { status: 'failed', error: outcome.error, data });
  }
}

/** One log line per tenth of the download and per later step, not one per chunk. */
function progressLogger(log: Logger): (progress: UpdateProgress) => void {
  let lastTenth = -1;
  let lastStage = '';
  return (progress) => {
    const tenth = progress.totalBytes > 0 ? Math.floor((progress.doneBytes / progress.totalBytes) * 10) : 10;
    if (progress.stage === lastStage && (progress.stage !== 'download' || tenth === lastTenth)) return;
    lastStage = progress.stage;
    lastTenth = tenth;
    log.info({ stage: progress.stage, doneBytes: progress.doneBytes, totalBytes: progress.totalBytes }, 'model update progress');
  };
}

/**
 * Over-the-air model updates, from a verified package to a running model:
 *
 *   package (verify-model-package.ts)
 *     ──► staging: job.json, each file downloaded resumably and checked (size, sha256)      [download]
 *     ──► the model's manifest.json matches the package (name, version, model sha256)       [verify]
 *     ──► own onnxruntime session: load, warm-up, reference pictures, empty chamber          [smoke-test]
 *     ──► one rename: staging files ──► <models>/<name>@<version>/                           [install]
 *     ──► pointer (active.json) names it, on trial ──► classifier swaps sessions between two items   [switch]
 *     ──► its first N classifications without a model fault ──► trial over                   [health-check]
 *                    └─ a fault ──► previous model back in, pointer back, reported
 *
 * Until the pointer is replaced nothing the classifier loads has changed, and
 * the pointer only ever names a directory that is whole on disk: a power cut
 * at any step leaves a model that loads (docs/vision.md#why-a-power-cut-cannot-leave-the-kiosk-without-a-working-model).
 * Every end is an outcome (never a throw) and an outbox event.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { ErrorCode, isKioskError, KioskError } from '../../ops/errors.js';
import type { Logger } from '../../ops/logger.js';
import type { ModelPackage } from '../../protocol/model-package.js';
import type { EventStore } from '../../store/event-store.js';
import { installName, modelIdOf } from '../../vision/model-store/layout.js';
import type { ModelStore } from '../../vision/model-store/model-store.js';
import { DEFAULT_SMOKE_IMAGES_DIR, readEmptyReference, readSmokeImages, smokeTest, type SmokeImage, type SmokeReport } from '../../vision/model-smoke-test.js';
import type { OnnxClassifier } from '../../vision/onnx-classifier.js';
import type { OnnxPipeline } from '../../vision/onnx-pipeline.js';
import { HealthCheck } from './health-check.js';
import { checkModelAgainstPackage } from './package-check.js';
import { directoryMatches, fetchPackageFiles, type FetchResult } from './package-files.js';
import { DEFAULT_DOWNLOAD_SETTINGS, type DownloadSettings } from './resumable-download.js';
import { Staging } from './staging.js';
import type { UpdateOptions, UpdateOutcome, UpdateProgress, UpdateStage } from './update-outcome.js';

/** What the updater needs of the classifier (OnnxClassifier). */
export type UpdatableClassifier = Pick<OnnxClassifier, 'model' | 'modelDir' | 'emptyReferencePath' | 'openPipeline' | 'swapPipeline' | 'classify' | 'on' | 'off'>;

export interface ModelUpdaterOptions {
  store: ModelStore;
  classifier: UpdatableClassifier;
  events: Pick<EventStore, 'append'>;
  logger: Logger;
  download?: Partial<DownloadSettings>;
  /** Reference pictures for the smoke test; default models/smoke of this runtime. */
  smokeImagesDir?: string;
  /** Classifications the new model must run without a fault after the switch; default 3. */
  healthCheckClassifications?: number;
  random?: () => number;
}

export interface ModelUpdaterEvents {
  progress: [progress: UpdateProgress];
  /** Every final outcome, including rollbacks found after a restart and after a post-switch fault. */
  outcome: [outcome: UpdateOutcome];
}

export class ModelUpdater extends EventEmitter<ModelUpdaterEvents> {
  private readonly staging: Staging;
  private readonly downloadSettings: DownloadSettings;
  private running: { name: string; outcome: Promise<UpdateOutcome> } | undefined;
  /** Updates and rollbacks run one at a time. */
  private exclusive: Promise<unknown> = Promise.resolve();
  private healthCheck: HealthCheck | undefined;
  private stopping = new AbortController();
  private smokeImages: SmokeImage[] | undefined;

  constructor(private readonly options: ModelUpdaterOptions) {
    super();
    this.staging = new Staging(options.store.root);
    this.downloadSettings = { ...DEFAULT_DOWNLOAD_SETTINGS, ...options.download };
  }

  /**
   * After the classifier has started: reports a rollback done while starting,
   * rolls back a model on trial that did not load, resumes the health check
   * of one that did, and deletes old models.
   */
  start(): void {
    this.stopping = new AbortController();
    const { store, classifier, logger } = this.options;
    const pointer = store.pointer();
    if (pointer?.unreported) {
      const record = pointer.unreported;
      this.finishFailed(modelIdOf(record.model), 'health-check', new KioskError(ErrorCode.OtaRolledBack, record.reason), true, record.commandId);
      store.clearUnreported();
    }
    const loaded = store.nameOf(classifier.modelDir);
    const after = store.pointer();
    if (after?.trial && after.current !== null) {
      if (loaded === after.current && classifier.modelDir !== undefined) {
        logger.info({ model: classifier.model }, 'the model on trial is running; its health check goes on');
        this.armHealthCheck(after.current, classifier.modelDir, after.trial.commandId);
      } else {
        const reason = `${modelIdOf(after.current)} did not load at start; the kiosk runs ${classifier.model}`;
        logger.error({ model: after.current }, `${reason}; rolling back`);
        this.tryRollBackPointer(loaded);
        this.finishFailed(modelIdOf(after.current), 'health-check', new KioskError(ErrorCode.OtaRolledBack, reason), true, after.trial.commandId);
      }
    }
    // An update interrupted between install and switch resumes with its installed directory: keep it.
    const pending = this.staging.pendingJob();
    this.collectGarbage([loaded, pending ? installName(pending.package) : null]);
  }

  /** Cancels a running update (its staging stays, so the next start resumes it) and ends the health check watch. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('the kiosk is stopping'));
    this.healthCheck?.stop();
    this.healthCheck = undefined;
    await this.exclusive.catch(() => undefined);
    try {
      this.options.store.noteCleanStop();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not record the clean stop in the active-model pointer');
    }
  }

  /** name@version the classifier runs now. */
  activeModel(): string {
    return this.options.classifier.model;
  }

  /** The command id of an update an earlier run left unfinished (the next resumePending() finishes it). */
  pendingCommandId(): string | null | undefined {
    return this.staging.pendingJob()?.commandId;
  }

  /** Runs the update an earlier run left unfinished, from where it stopped; undefined when there is none. */
  resumePending(options: Omit<UpdateOptions, 'commandId'> = {}): Promise<UpdateOutcome> | undefined {
    const job = this.staging.pendingJob();
    if (!job) return undefined;
    this.options.logger.info({ model: `${job.package.name}@${job.package.version}`, commandId: job.commandId }, 'resuming an interrupted model update');
    return this.update(job.package, { ...options, commandId: job.commandId });
  }

  /** Installs and switches to `pkg` (already verified). Never throws: the outcome says what happened. */
  update(pkg: ModelPackage, options: UpdateOptions = {}): Promise<UpdateOutcome> {
    const name = installName(pkg);
    if (this.running) {
      if (this.running.name === name) return this.running.outcome;
      const busy = new KioskError(ErrorCode.OtaBusy, `another model update (${modelIdOf(this.running.name)}) is running`, { running: this.running.name });
      return Promise.resolve(this.failed(`${pkg.name}@${pkg.version}`, 'verify', busy, false, options.commandId ?? null));
    }
    const signal = options.signal === undefined ? this.stopping.signal : AbortSignal.any([options.signal, this.stopping.signal]);
    const outcome = this.serialised(() => this.run(pkg, name, { ...options, signal }));
    this.running = { name, outcome };
    void outcome.finally(() => {
      if (this.running?.outcome === outcome) this.running = undefined;
    });
    return outcome;
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const next = this.exclusive.then(task, task);
    this.exclusive = next.catch(() => undefined);
    return next;
  }

  private async run(pkg: ModelPackage, name: string, options: UpdateOptions & { signal: AbortSignal }): Promise<UpdateOutcome> {
    const { store, classifier, logger } = this.options;
    const started = performance.now();
    const model = `${pkg.name}@${pkg.version}`;
    const commandId = options.commandId ?? null;
    const previous = classifier.model;
    const previousName = store.nameOf(classifier.modelDir);
    const totalBytes = pkg.files.reduce((sum, file) => sum + file.sizeBytes, 0);
    const progress = (stage: UpdateProgress['stage'], doneBytes: number, file?: string): void => {
      const report: UpdateProgress = { model, stage, doneBytes, totalBytes, ...(file === undefined ? {} : { file }) };
      options.onProgress?.(report);
      this.emit('progress', report);
    };
    const log = logger.child({ model, commandId });
    let stage: UpdateStage = 'download';
    let pipeline: OnnxPipeline | undefined;
    let switched = false;
    try {
      if (previousName === name) {
        // Also the end of a job a power cut interrupted right after its switch.
        this.tryRemoveStaging(name);
        return this.finishOk({ model, previous, alreadyActive: true, fetched: { downloadedBytes: 0, resumedBytes: 0 }, started, smoke: null, commandId });
      }
      log.info({ files: pkg.files.length, totalBytes }, 'model update started');
      const target = store.dirOf(name);
      const alreadyInstalled = existsSync(target) && (await directoryMatches(pkg, target));
      let fetched: FetchResult = { downloadedBytes: 0, resumedBytes: alreadyInstalled ? totalBytes : 0 };
      if (!alreadyInstalled) {
        guardFs('prepare the staging area', () => {
          store.ensureRoot();
          this.staging.prepare(name, { schema: 'kiosk.ota-job/1', package: pkg, commandId, startedAt: new Date().toISOString() });
        });
        fetched = await fetchPackageFiles(pkg, name, this.staging, {
          settings: this.downloadSettings,
          logger: log,
          signal: options.signal,
          onProgress: (step) => progress('download', step.doneBytes, step.file),
          ...(this.options.random === undefined ? {} : { random: this.options.random }),
        });
      }
      const source = alreadyInstalled ? target : this.staging.filesDir(name);
      stage = 'verify';
      progress('verify', totalBytes);
      await checkModelAgainstPackage(source, pkg);
      stage = 'smoke-test';
      throwIfCancelled(options.signal);
      progress('smoke-test', totalBytes);
      pipeline = await this.openForSmokeTest(source);
      const smoke = await this.smokeTest(pipeline);
      log.info({ smoke }, 'the new model passed its smoke test');
      stage = 'install';
      throwIfCancelled(options.signal);
      progress('install', totalBytes);
      if (!alreadyInstalled) {
        guardFs('install the model directory', () => {
          // A directory of that name with other content (a version republished with other files) makes way.
          store.removeInstalled(name);
          this.staging.install(name, target);
        });
      }
      stage = 'switch';
      throwIfCancelled(options.signal);
      progress('switch', totalBytes);
      store.activate(name, previousName, commandId);
      switched = true;
      await classifier.swapPipeline(pipeline, target);
      pipeline = undefined;
      this.armHealthCheck(name, target, commandId);
      // The job record stays until here: a power cut between install and switch resumes with the installed directory.
      this.tryRemoveStaging(name);
      this.collectGarbage([name]);
      return this.finishOk({ model, previous, alreadyActive: false, fetched, started, smoke, commandId });
    } catch (error) {
      await pipeline?.release().catch(() => undefined);
      // The pointer names the new model but the classifier never ran it (the kiosk is stopping): point back.
      if (switched) this.tryRollBackPointer(previousName);
      const fault = asUpdateError(error, stage);
      // Files that failed their checks are of no use to a retry; a cut or cancelled download is kept to resume.
      if (fault.code !== ErrorCode.OtaCancelled && (stage !== 'download' || fault.code === ErrorCode.OtaFileMismatch)) this.tryRemoveStaging(name);
      return this.finishFailed(model, stage, fault, false, commandId);
    }
  }

  private async openForSmokeTest(directory: string): Promise<OnnxPipeline> {
    try {
      return await this.options.classifier.openPipeline(directory);
    } catch (error) {
      const message = isKioskError(error) ? error.message : String(error);
      throw new KioskError(ErrorCode.OtaSmokeTestFailed, `the new model does not load: ${message}`, { directory }, { cause: error });
    }
  }

  private async smokeTest(pipeline: OnnxPipeline): Promise<SmokeReport> {
    this.smokeImages ??= await readSmokeImages(this.options.smokeImagesDir ?? DEFAULT_SMOKE_IMAGES_DIR);
    return smokeTest(pipeline, this.smokeImages, await this.emptyChamberBaseline());
  }

  /** The calibrated empty-chamber picture when the running model sees it as empty: then the new one must too. */
  private async emptyChamberBaseline(): Promise<SmokeImage | undefined> {
    const { classifier, logger } = this.options;
    const path = classifier.emptyReferencePath;
    const image = path === undefined ? undefined : await readEmptyReference(path);
    if (!image || classifier.modelDir === undefined) return undefined;
    try {
      const current = await classifier.classify(image.jpeg);
      if (current.emptyLabel !== undefined && current.scores[0]?.label === current.emptyLabel) return image;
      logger.info({ label: current.scores[0]?.label, model: current.model }, 'the running model does not see the calibrated empty chamber as empty; that check is skipped');
    } catch (error) {
      logger.warn({ err: error }, 'the running model could not classify the empty-chamber reference; that check is skipped');
    }
    return undefined;
  }

  private armHealthCheck(name: string, directory: string, commandId: string | null): void {
    const { store, logger } = this.options;
    this.healthCheck?.stop();
    const check = new HealthCheck(this.options.classifier, directory, this.options.healthCheckClassifications ?? 3, {
      passed: () => {
        if (this.healthCheck === check) this.healthCheck = undefined;
        try {
          store.confirm();
          logger.info({ model: modelIdOf(name) }, 'the new model passed its health check');
        } catch (error) {
          logger.error({ err: error }, 'could not confirm the new model in the active-model pointer');
        }
      },
      failed: (error) => {
        if (this.healthCheck === check) this.healthCheck = undefined;
        void this.serialised(() => this.rollBackAfterFault(name, error, commandId));
      },
    });
    this.healthCheck = check;
    check.start();
  }

  /** The model on trial faulted: back to the previous model (or the factory one), pointer included. */
  private async rollBackAfterFault(name: string, fault: unknown, commandId: string | null): Promise<UpdateOutcome> {
    const { store, classifier, logger } = this.options;
    const model = modelIdOf(name);
    const pointer = store.pointer();
    const restoredName = pointer?.current === name ? pointer.previous : null;
    const candidates = [...(restoredName !== null && store.isInstalled(restoredName) ? [store.dirOf(restoredName)] : []), store.factoryDir];
    let restored: string | undefined;
    for (const directory of candidates) {
      try {
        await classifier.swapPipeline(await classifier.openPipeline(directory), directory);
        restored = directory;
        break;
      } catch (error) {
        logger.error({ err: error, directory }, 'could not load the model to roll back to');
      }
    }
    this.tryRollBackPointer(store.nameOf(restored));
    const reason = `${model} faulted after the switch (${(fault as Error).message ?? String(fault)}); ${restored ? `restored ${classifier.model}` : 'no previous model could be loaded'}`;
    logger.error({ model, active: classifier.model }, reason);
    return this.finishFailed(model, 'health-check', new KioskError(ErrorCode.OtaRolledBack, reason, { model }), true, commandId);
  }

  private tryRollBackPointer(restored: string | null): void {
    try {
      this.options.store.rollBack(restored);
    } catch (error) {
      this.options.logger.error({ err: error }, 'could not roll back the active-model pointer');
    }
  }

  private tryRemoveStaging(name: string): void {
    try {
      this.staging.remove(name);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not remove the staging area');
    }
  }

  private collectGarbage(keep: ReadonlyArray<string | null>): void {
    try {
      this.options.store.collectGarbage(keep.filter((name): name is string => name !== null));
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not remove old models');
    }
  }

  private finishOk(parts: { model: string; previous: string; alreadyActive: boolean; fetched: FetchResult; started: number; smoke: SmokeReport | null; commandId: string | null }): UpdateOutcome {
    const outcome: UpdateOutcome = {
      status: 'ok',
      model: parts.model,
      previous: parts.previous,
      alreadyActive: parts.alreadyActive,
      downloadedBytes: parts.fetched.downloadedBytes,
      resumedBytes: parts.fetched.resumedBytes,
      durationMs: Math.round(performance.now() - parts.started),
      smoke: parts.smoke,
      commandId: parts.commandId,
    };
    if (!parts.alreadyActive) {
      this.record({
        type: 'model.updated',
        payload: {
          model: outcome.model,
          previous: outcome.previous,
          commandId: outcome.commandId,
          downloadedBytes: outcome.downloadedBytes,
          resumedBytes: outcome.resumedBytes,
          durationMs: outcome.durationMs,
          smokeImages: parts.smoke?.images ?? 0,
          emptyReferenceChecked: parts.smoke?.emptyReference === 'passed',
        },
      });
    }
    this.options.logger.info({ model: outcome.model, previous: outcome.previous, alreadyActive: outcome.alreadyActive, durationMs: outcome.durationMs }, 'model update done');
    this.emit('outcome', outcome);
    return outcome;
  }

  private finishFailed(model: string, stage: UpdateStage, fault: KioskError, rolledBack: boolean, commandId: string | null): UpdateOutcome {
    const outcome = this.failed(model, stage, fault, rolledBack, commandId);
    if (outcome.status === 'failed') {
      this.record({ type: 'model.update-failed', payload: { model, stage, code: fault.code, message: outcome.error.message, active: outcome.active, rolledBack, commandId } });
      this.options.logger.error({ model, stage, code: fault.code, err: fault, active: outcome.active, rolledBack }, 'model update failed');
    }
    this.emit('outcome', outcome);
    return outcome;
  }

  private failed(model: string, stage: UpdateStage, fault: KioskError, rolledBack: boolean, commandId: string | null): UpdateOutcome {
    return { status: 'failed', model, stage, error: { code: fault.code, message: fault.message.slice(0, 500) }, active: this.options.classifier.model, rolledBack, commandId };
  }

  private record(draft: Parameters<EventStore['append']>[0]): void {
    try {
      this.options.events.append(draft);
    } catch (error) {
      this.options.logger.error({ err: error, type: draft.type }, 'could not record the model update event');
    }
  }
}

/** Any failure as a coded OTA error, by the step it happened in. */
function asUpdateError(error: unknown, stage: UpdateStage): KioskError {
  if (isKioskError(error) && error.code >= 430 && error.code <= 439) return error;
  const code = stage === 'download' ? ErrorCode.OtaDownloadFailed : stage === 'smoke-test' ? ErrorCode.OtaSmokeTestFailed : ErrorCode.OtaInstallFailed;
  return new KioskError(code, `${stage} failed: ${(error as Error).message ?? String(error)}`, { stage }, { cause: error });
}

function guardFs(what: string, action: () => void): void {
  try {
    action();
  } catch (error) {
    throw new KioskError(ErrorCode.OtaInstallFailed, `cannot ${what}: ${(error as Error).message}`, {}, { cause: error });
  }
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new KioskError(ErrorCode.OtaCancelled, 'the model update was cancelled', {}, { cause: signal.reason });
}

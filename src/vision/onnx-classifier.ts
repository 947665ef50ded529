/**
 * The ONNX image classifier as a kiosk device: start() loads, verifies and
 * warms up one session; a missing, corrupt or mismatching model does not take
 * the kiosk down but leaves the classifier `faulted` (health + one `fault`
 * event), and every classify() then rejects with a coded KioskError, so the
 * deposit flow refuses items with "classifier-unavailable" instead of guessing.
 * start() may be called again (after a new model was installed) to retry.
 *
 * With a ModelSource (over-the-air models, src/vision/model-store/) start()
 * tries the source's directories in order and runs the first that loads.
 * swapPipeline() switches a running classifier to another model between two
 * classifications; every classify() reports its outcome as an `inference`
 * event, which the OTA health check watches after a switch.
 */
import { EventEmitter } from 'node:events';
import { basename } from 'node:path';
import { HealthTracker } from '../hardware/device-health.js';
import type { DeviceHealth, DeviceLifecycleEvents } from '../hardware/device.js';
import { FULL_FRAME, type ChamberCrop } from '../ops/config/classifier-config.js';
import { ErrorCode, isKioskError, KioskError } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import type { Classification, Classifier } from './classifier.js';
import type { ModelSource } from './model-store/model-store.js';
import { OnnxPipeline, type OnnxPipelineOptions } from './onnx-pipeline.js';

export interface OnnxClassifierOptions {
  /** models/<name>/: manifest.json and the model file. */
  modelDir: string;
  /** onnxruntime intra-op threads; default 1. */
  threads?: number;
  /** Chamber region of the frame, in fractions; default the whole frame. */
  chamber?: ChamberCrop;
  labelMap?: string;
  emptyReference?: { path: string; maxDifference: number };
  logger: Logger;
  /** Over-the-air models: the directories to try at start, before (and ending with) modelDir. */
  source?: ModelSource;
}

/** One classify() as seen by the OTA health check: which model ran and, when it failed, why. */
export interface InferenceOutcome {
  model: string;
  modelDir: string;
  error?: unknown;
}

export type OnnxClassifierEvents = DeviceLifecycleEvents & { inference: [outcome: InferenceOutcome] };

export class OnnxClassifier extends EventEmitter<OnnxClassifierEvents> implements Classifier {
  private readonly tracker = new HealthTracker(this);
  private pipeline: OnnxPipeline | undefined;
  /** The directory the running pipeline was loaded from. */
  private pipelineDir: string | undefined;
  private stopped = false;
  private starting: Promise<void> | undefined;
  /** classify() calls run one after another: the pipeline's tensor buffer is shared. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: OnnxClassifierOptions) {
    super();
  }

  /** name@version once loaded; `<directory>@unavailable` while not, so refused deposits still say which model was meant. */
  get model(): string {
    return this.pipeline?.model ?? `${basename(this.options.modelDir)}@unavailable`;
  }

  /** Kiosk labels the loaded model can report (after the label map); empty while not loaded. */
  get labels(): readonly string[] {
    return this.pipeline?.kioskLabels ?? [];
  }

  /** The model directory in use; undefined while no model is loaded. */
  get modelDir(): string | undefined {
    return this.pipeline ? this.pipelineDir : undefined;
  }

  /** The calibrated empty-chamber picture, when configured (the OTA smoke test shows it to a new model). */
  get emptyReferencePath(): string | undefined {
    return this.options.emptyReference?.path;
  }

  start(): Promise<void> {
    this.stopped = false;
    if (this.pipeline) return Promise.resolve();
    this.starting ??= this.load().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting;
    const pipeline = this.pipeline;
    this.pipeline = undefined;
    // Let a classification in progress finish before its session goes away.
    await this.queue;
    await pipeline?.release();
    this.tracker.stopped();
  }

  health(): DeviceHealth {
    return this.tracker.health();
  }

  classify(jpeg: Buffer): Promise<Classification> {
    const pipeline = this.pipeline;
    if (!pipeline) {
      const { state, detail } = this.tracker.health();
      return Promise.reject(
        new KioskError(ErrorCode.ClassifierFault, `the classifier is ${state}${detail ? `: ${detail}` : ''}`, { state, model: this.model }),
      );
    }
    const result = this.queue.then(() => pipeline.run(jpeg));
    const modelDir = this.pipelineDir ?? this.options.modelDir;
    this.queue = result.then(
      () => this.report({ model: pipeline.model, modelDir }),
      (error: unknown) => this.report({ model: pipeline.model, modelDir, error }),
    );
    return result;
  }

  /** Loads `modelDir` with this classifier's settings (threads, chamber, label map, reference) in a session of its own. */
  openPipeline(modelDir: string): Promise<OnnxPipeline> {
    return OnnxPipeline.open(this.pipelineOptions(modelDir));
  }

  /**
   * Switches to `next` (from openPipeline) between two classifications: calls
   * made from now on use it; those already queued finish on the old session,
   * which is released after them. A faulted classifier recovers.
   */
  async swapPipeline(next: OnnxPipeline, modelDir: string): Promise<void> {
    if (this.stopped) {
      await next.release();
      throw new KioskError(ErrorCode.ClassifierFault, 'the classifier is stopped', { model: next.model });
    }
    const old = this.pipeline;
    this.pipeline = next;
    this.pipelineDir = modelDir;
    this.options.logger.info({ from: old?.model ?? null, to: next.model, modelDir }, 'classifier switched model');
    this.tracker.running();
    const drained = this.queue;
    await drained;
    await old?.release();
  }

  /** Re-reads the empty-chamber reference, e.g. after the console stored a new one. Resolves true when one is in use. */
  async reloadReference(): Promise<boolean> {
    const pipeline = this.pipeline;
    if (!pipeline) throw new KioskError(ErrorCode.ClassifierFault, 'the classifier is not running', { model: this.model });
    return pipeline.reloadReference();
  }

  private pipelineOptions(modelDir: string): OnnxPipelineOptions {
    return {
      modelDir,
      threads: this.options.threads ?? 1,
      chamber: this.options.chamber ?? FULL_FRAME,
      logger: this.options.logger,
      ...(this.options.labelMap === undefined ? {} : { labelMap: this.options.labelMap }),
      ...(this.options.emptyReference === undefined ? {} : { emptyReference: this.options.emptyReference }),
    };
  }

  private report(outcome: InferenceOutcome): void {
    try {
      this.emit('inference', outcome);
    } catch (error) {
      this.options.logger.error({ err: error }, 'an inference listener failed');
    }
  }

  private async load(): Promise<void> {
    const { logger } = this.options;
    const candidates = await this.candidates();
    for (const [index, modelDir] of candidates.entries()) {
      try {
        this.pipeline = await OnnxPipeline.open(this.pipelineOptions(modelDir));
        this.pipelineDir = modelDir;
        logger.info(
          { model: this.pipeline.model, labels: this.pipeline.kioskLabels, emptyReference: this.pipeline.hasReference, threads: this.options.threads ?? 1, modelDir },
          'classifier ready',
        );
        this.tracker.running();
        return;
      } catch (error) {
        const fault = isKioskError(error)
          ? error
          : new KioskError(ErrorCode.ClassifierFault, `cannot load the model: ${(error as Error).message}`, { modelDir }, { cause: error });
        if (index < candidates.length - 1) {
          logger.error({ err: fault, code: fault.code, modelDir }, 'model could not be loaded; trying the next one');
          continue;
        }
        logger.error({ err: fault, code: fault.code, modelDir }, 'classifier faulted; items will be refused with classifier-unavailable');
        this.tracker.faulted(fault);
      }
    }
  }

  private async candidates(): Promise<readonly string[]> {
    const { source, modelDir, logger } = this.options;
    if (!source) return [modelDir];
    try {
      const found = await source.candidates();
      return found.length > 0 ? found : [modelDir];
    } catch (error) {
      logger.error({ err: error }, 'cannot list the installed models; using classifier.modelDir');
      return [modelDir];
    }
  }
}

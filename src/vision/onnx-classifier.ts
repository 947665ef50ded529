/**
 * The ONNX image classifier as a kiosk device: start() loads, verifies and
 * warms up one session; a missing, corrupt or mismatching model does not take
 * the kiosk down but leaves the classifier `faulted` (health + one `fault`
 * event), and every classify() then rejects with a coded KioskError, so the
 * deposit flow refuses items with "classifier-unavailable" instead of guessing.
 * start() may be called again (after a new model was installed) to retry.
 */
import { EventEmitter } from 'node:events';
import { basename } from 'node:path';
import { HealthTracker } from '../hardware/device-health.js';
import type { DeviceHealth, DeviceLifecycleEvents } from '../hardware/device.js';
import { FULL_FRAME, type ChamberCrop } from '../ops/config/classifier-config.js';
import { ErrorCode, isKioskError, KioskError } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import type { Classification, Classifier } from './classifier.js';
import { OnnxPipeline } from './onnx-pipeline.js';

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
}

export class OnnxClassifier extends EventEmitter<DeviceLifecycleEvents> implements Classifier {
  private readonly tracker = new HealthTracker(this);
  private pipeline: OnnxPipeline | undefined;
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

  start(): Promise<void> {
    if (this.pipeline) return Promise.resolve();
    this.starting ??= this.load().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  async stop(): Promise<void> {
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
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Re-reads the empty-chamber reference, e.g. after the console stored a new one. Resolves true when one is in use. */
  async reloadReference(): Promise<boolean> {
    const pipeline = this.pipeline;
    if (!pipeline) throw new KioskError(ErrorCode.ClassifierFault, 'the classifier is not running', { model: this.model });
    return pipeline.reloadReference();
  }

  private async load(): Promise<void> {
    const { logger, modelDir } = this.options;
    try {
      this.pipeline = await OnnxPipeline.open({
        modelDir,
        threads: this.options.threads ?? 1,
        chamber: this.options.chamber ?? FULL_FRAME,
        logger,
        ...(this.options.labelMap === undefined ? {} : { labelMap: this.options.labelMap }),
        ...(this.options.emptyReference === undefined ? {} : { emptyReference: this.options.emptyReference }),
      });
      logger.info(
        { model: this.pipeline.model, labels: this.pipeline.kioskLabels, emptyReference: this.pipeline.hasReference, threads: this.options.threads ?? 1 },
        'classifier ready',
      );
      this.tracker.running();
    } catch (error) {
      const fault = isKioskError(error)
        ? error
        : new KioskError(ErrorCode.ClassifierFault, `cannot load the model: ${(error as Error).message}`, { modelDir }, { cause: error });
      logger.error({ err: fault, code: fault.code, modelDir }, 'classifier faulted; items will be refused with classifier-unavailable');
      this.tracker.faulted(fault);
    }
  }
}

/**
 * One loaded model, ready to classify: verified file, one onnxruntime session,
 * the preprocessor and its reused tensor, the label folding and, when
 * calibrated, the empty-chamber reference.
 *
 *   open():  manifest ──► model bytes (size, sha256) ──► session ──► shape check ──► warm-up run
 *   run():   JPEG ──preprocess──► tensor ──session.run──► output ──activation──► probabilities ──fold──► kiosk scores
 *
 * Not safe for overlapping run() calls (the tensor buffer is shared): the
 * OnnxClassifier queues them.
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';
import sharp from 'sharp';
import type { ChamberCrop } from '../ops/config/classifier-config.js';
import { ErrorCode, KioskError } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import { toProbabilities } from './activation.js';
import type { Classification } from './classifier.js';
import { loadChamberReference, type ChamberReference } from './empty-chamber.js';
import { LabelFolding, readLabelMap } from './label-map.js';
import { modelId, readVerifiedModel, type ModelManifest } from './model-manifest.js';
import { checkSessionShape, expectedInputShape } from './model-shape.js';
import { Preprocessor } from './preprocess.js';

export interface OnnxPipelineOptions {
  modelDir: string;
  /** onnxruntime intra-op threads. */
  threads: number;
  chamber: ChamberCrop;
  /** Label map file; without one the model's labels are the kiosk's. */
  labelMap?: string;
  emptyReference?: { path: string; maxDifference: number };
  logger: Logger;
}

export class OnnxPipeline {
  readonly model: string;
  private readonly inputTensor: Tensor;
  private readonly probabilities: Float64Array;

  private constructor(
    readonly manifest: ModelManifest,
    private readonly session: InferenceSession,
    private readonly preprocessor: Preprocessor,
    private readonly folding: LabelFolding,
    private reference: ChamberReference | null,
    private readonly options: OnnxPipelineOptions,
  ) {
    this.model = modelId(manifest);
    // The tensor wraps the preprocessor's buffer: each run() sees the frame prepared just before it.
    this.inputTensor = new Tensor('float32', preprocessor.tensor, expectedInputShape(manifest.input));
    this.probabilities = new Float64Array(manifest.labels.length);
  }

  static async open(options: OnnxPipelineOptions): Promise<OnnxPipeline> {
    const { manifest, bytes } = await readVerifiedModel(options.modelDir);
    const labelMap = options.labelMap === undefined ? undefined : await readLabelMap(options.labelMap);
    const folding = new LabelFolding(manifest.labels, labelMap, manifest.emptyLabel);
    const session = await createSession(bytes, options.threads);
    try {
      checkSessionShape(session, manifest);
      const preprocessor = new Preprocessor(manifest.input, manifest.normalization, options.chamber);
      const reference = await openReference(options, preprocessor);
      const pipeline = new OnnxPipeline(manifest, session, preprocessor, folding, reference, options);
      await pipeline.warmUp();
      return pipeline;
    } catch (error) {
      await session.release().catch(() => undefined);
      throw error;
    }
  }

  get kioskLabels(): readonly string[] {
    return this.folding.kioskLabels;
  }

  get hasReference(): boolean {
    return this.reference !== null;
  }

  async run(jpeg: Buffer): Promise<Classification> {
    const started = performance.now();
    const { rgb } = await this.preprocessor.prepare(jpeg);
    const chamber = this.reference ? { difference: this.reference.difference(rgb), maxDifference: this.reference.maxDifference } : undefined;
    const prepared = performance.now();
    const output = await this.infer();
    const inferred = performance.now();
    const scores = this.folding.fold(toProbabilities(output, this.manifest.output.activation, this.probabilities));
    return {
      scores,
      model: this.model,
      inferenceMs: inferred - prepared,
      preprocessMs: prepared - started,
      ...(this.folding.emptyLabel === undefined ? {} : { emptyLabel: this.folding.emptyLabel }),
      ...(chamber ? { chamber } : {}),
    };
  }

  /** Reads the empty-chamber reference again (after the console stored a new one); keeps the old one on failure. */
  async reloadReference(): Promise<boolean> {
    this.reference = await openReference(this.options, this.preprocessor);
    return this.reference !== null;
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private async infer(): Promise<Float32Array> {
    const { input, output, labels } = this.manifest;
    let result: InferenceSession.ReturnType;
    try {
      result = await this.session.run({ [input.name]: this.inputTensor }, [output.name]);
    } catch (error) {
      throw new KioskError(ErrorCode.ClassifierFault, `inference failed: ${(error as Error).message}`, { model: this.model }, { cause: error });
    }
    const value = result[output.name];
    if (!(value instanceof Tensor) || !(value.data instanceof Float32Array) || value.data.length !== labels.length) {
      const size = value instanceof Tensor ? value.data.length : 'none';
      throw new KioskError(ErrorCode.ModelShapeMismatch, `the model's output "${output.name}" has ${size} values, the manifest lists ${labels.length} labels`, {
        model: this.model,
        size,
        labels: labels.length,
      });
    }
    return value.data;
  }

  /** One full run on a plain grey frame: pays the first-run costs before the first item, and checks the output size. */
  private async warmUp(): Promise<void> {
    const { width, height } = this.manifest.input;
    const grey = await sharp({ create: { width: width * 2, height: height * 2, channels: 3, background: { r: 128, g: 128, b: 128 } } })
      .jpeg()
      .toBuffer();
    const started = performance.now();
    await this.run(grey);
    this.options.logger.debug({ model: this.model, warmUpMs: Math.round(performance.now() - started) }, 'classifier warmed up');
  }
}

async function createSession(bytes: Uint8Array, threads: number): Promise<InferenceSession> {
  try {
    return await InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Errors only: onnxruntime's warnings about unused initialisers and the like are not ours to log.
      logSeverityLevel: 3,
    });
  } catch (error) {
    throw new KioskError(ErrorCode.ModelLoadFailed, `onnxruntime cannot load the model: ${(error as Error).message}`, {}, { cause: error });
  }
}

async function openReference(options: OnnxPipelineOptions, preprocessor: Preprocessor): Promise<ChamberReference | null> {
  if (!options.emptyReference) return null;
  const { path, maxDifference } = options.emptyReference;
  const reference = await loadChamberReference(path, (image) => preprocessor.decode(image), preprocessor.size, maxDifference);
  if (!reference) {
    options.logger.warn({ path }, 'no empty-chamber reference yet: empty chambers are judged by the model and the scale alone');
  }
  return reference;
}

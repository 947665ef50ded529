/**
 * The smoke test a new model must pass before the kiosk switches to it: the
 * model is already loaded in a session of its own (verified bytes, shape
 * check, warm-up run); here it classifies the shipped reference pictures
 * (models/smoke/*.jpg, scripts/make-smoke-images.ts) and, when the caller
 * asks, this kiosk's calibrated picture of its empty chamber.
 *
 *   each reference picture ──run──► one finite probability per kiosk label, each in 0..1, summing to 1
 *   empty-chamber picture  ──run──► top label is the model's empty label
 *
 * What a model calls the reference items is not checked: an OTA model may
 * have any labels. The empty-chamber check is a regression check: the OTA
 * updater asks for it only when the model running now sees that picture as
 * empty (a simulator's reference may show an item). Any failure is E434.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ErrorCode, KioskError } from '../ops/errors.js';
import type { Classification } from './classifier.js';
import type { OnnxPipeline } from './onnx-pipeline.js';

/** models/smoke/ of this runtime (the same relative place from src/vision and dist/vision). */
export const DEFAULT_SMOKE_IMAGES_DIR = resolve(import.meta.dirname, '..', '..', 'models', 'smoke');

/** How far the probabilities may sum away from 1 (float32 rounding over up to 1000 labels). */
const SUM_TOLERANCE = 1e-3;

export interface SmokeImage {
  name: string;
  jpeg: Buffer;
}

export interface SmokeReport {
  images: number;
  /** passed: the empty chamber came out empty; skipped: no reference picture is calibrated, or the model has no empty label. */
  emptyReference: 'passed' | 'skipped';
}

/** The reference pictures, sorted by name; a directory without any is a setup error (E434), not a pass. */
export async function readSmokeImages(directory: string): Promise<SmokeImage[]> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => /\.jpe?g$/i.test(name)).sort();
  } catch (error) {
    throw new KioskError(ErrorCode.OtaSmokeTestFailed, `cannot read the smoke-test pictures in ${directory}: ${(error as Error).message}`, { directory }, { cause: error });
  }
  if (names.length === 0) throw new KioskError(ErrorCode.OtaSmokeTestFailed, `no smoke-test pictures (*.jpg) in ${directory}`, { directory });
  return Promise.all(names.map(async (name) => ({ name, jpeg: await readFile(join(directory, name)) })));
}

/** Throws E434 when the model fails; `emptyChamber`, when given, must come out as the model's empty label. */
export async function smokeTest(pipeline: OnnxPipeline, images: readonly SmokeImage[], emptyChamber?: SmokeImage): Promise<SmokeReport> {
  for (const image of images) checkScores(pipeline, image.name, await classify(pipeline, image));
  if (!emptyChamber || pipeline.manifest.emptyLabel === undefined) return { images: images.length, emptyReference: 'skipped' };
  const result = await classify(pipeline, emptyChamber);
  checkScores(pipeline, emptyChamber.name, result);
  const top = result.scores[0];
  if (top?.label !== result.emptyLabel) {
    throw new KioskError(
      ErrorCode.OtaSmokeTestFailed,
      `the calibrated empty chamber comes out as "${top?.label}" (${top?.probability.toFixed(3)}), not as the empty label "${result.emptyLabel}"`,
      { model: pipeline.model, image: emptyChamber.name, label: top?.label ?? null, emptyLabel: result.emptyLabel ?? null },
    );
  }
  return { images: images.length, emptyReference: 'passed' };
}

async function classify(pipeline: OnnxPipeline, image: SmokeImage): Promise<Classification> {
  try {
    return await pipeline.run(image.jpeg);
  } catch (error) {
    throw new KioskError(ErrorCode.OtaSmokeTestFailed, `the model fails on ${image.name}: ${(error as Error).message}`, { model: pipeline.model, image: image.name }, { cause: error });
  }
}

function checkScores(pipeline: OnnxPipeline, image: string, classification: Classification): void {
  const fail = (problem: string): never => {
    throw new KioskError(ErrorCode.OtaSmokeTestFailed, `the model's scores for ${image} are unusable: ${problem}`, { model: pipeline.model, image });
  };
  const { scores } = classification;
  if (scores.length !== pipeline.kioskLabels.length) fail(`${scores.length} scores for ${pipeline.kioskLabels.length} labels`);
  let sum = 0;
  for (const { label, probability } of scores) {
    if (!Number.isFinite(probability) || probability < 0 || probability > 1) fail(`"${label}" has probability ${probability}`);
    sum += probability;
  }
  if (Math.abs(sum - 1) > SUM_TOLERANCE) fail(`the probabilities sum to ${sum}`);
}

/** The calibrated empty-chamber picture, when there is one (a kiosk not yet calibrated has none). */
export async function readEmptyReference(path: string): Promise<SmokeImage | undefined> {
  try {
    return { name: `empty-chamber reference ${path}`, jpeg: await readFile(path) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KioskError(ErrorCode.OtaSmokeTestFailed, `cannot read the empty-chamber reference ${path}: ${(error as Error).message}`, { path }, { cause: error });
  }
}

/**
 * Classifier evaluation through the runtime's own path (npm run eval:vision):
 * every image goes through OnnxClassifier.classify() — the TypeScript
 * preprocessing with sharp and onnxruntime-node — exactly as on a kiosk, so
 * any training/serving skew shows against the trainer's own figures.
 *
 *   npm run eval:vision -- --model models/packaging-v1 --data ../shared/datasets/trashnet/train \
 *       [--split models/packaging-v1/validation-split.json] [--label-map file.json] [--min-confidence 0.6] [--json out.json] [--write-card]
 *
 * --data is a folder per class (the folder name is the true label). With
 * --split only the listed files are used (paths relative to --data, as the
 * trainer wrote them), plus the empty class's validation JPEGs, which live in
 * the model directory (their true label is the manifest's emptyLabel): those
 * the split names (entries starting with "empty-validation/", or an
 * "emptyValidation" list or folder relative to the model directory), or else
 * every image in <model>/empty-validation/, where the trainer writes them.
 * Prints accuracy, per-class precision/recall and the confusion matrix; exits
 * 1 when a listed file is missing, an image fails, or the model does not load,
 * 2 on bad arguments. --write-card (with --split) fills the model card's
 * "Measured through the runtime" section with these figures.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createSilentLogger } from '../src/ops/logger.js';
import { ConfusionMatrix } from '../src/vision/confusion-matrix.js';
import { readManifest, type ModelManifest } from '../src/vision/model-manifest.js';
import { OnnxClassifier } from '../src/vision/onnx-classifier.js';
import { renderRuntimeSection, replaceRuntimeSection } from './model-card-runtime.js';

const EMPTY_VALIDATION_DIR = 'empty-validation';
const IMAGE = /\.(jpe?g|png)$/i;

/** validation-split.json as the vision contract describes it (format: docs/vision.md). */
const ValidationSplit = z.looseObject({
  dataset: z.string().optional(),
  files: z.array(z.string().min(1)),
  emptyValidation: z.union([z.array(z.string().min(1)), z.string().min(1)]).optional(),
});

interface Sample {
  path: string;
  actual: string;
  /** Where it came from, for the summary. */
  origin: 'data' | 'empty-validation';
}

const USAGE = `usage: npm run eval:vision -- [options]

Classifies every image through the kiosk's own path (sharp preprocessing + onnxruntime-node) and prints
accuracy, the share decided at the confidence threshold, per-label precision/recall and the confusion matrix.

  --model DIR           model directory with manifest.json (default models/packaging-v1)
  --data DIR            folder per class; the folder name is the true label (default ../shared/datasets/trashnet/train)
  --split FILE          only the files listed in this validation-split.json, plus the model's empty-validation/ images;
                        without it every image is used, training images included, and there is no comparison with
                        the trainer's validation accuracy
  --label-map FILE      evaluate through a label map (the folder names must then be kiosk labels)
  --min-confidence N    threshold for the "decided" line (default: the manifest's thresholds.minConfidence, else 0.6)
  --json FILE           also write the figures to FILE
  --write-card          fill the "Measured through the runtime" section of <model>/MODEL_CARD.md (needs --split)
  -h, --help            print this and exit

Exit status: 0 done, 1 a listed file is missing, an image failed or the model did not load, 2 bad arguments.
`;

function parseArguments() {
  try {
    return parseArgs({
      options: {
        model: { type: 'string', default: 'models/packaging-v1' },
        data: { type: 'string', default: '../shared/datasets/trashnet/train' },
        split: { type: 'string' },
        'label-map': { type: 'string' },
        'min-confidence': { type: 'string' },
        json: { type: 'string' },
        'write-card': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`eval:vision: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

const args = parseArguments();
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (args['write-card'] && (!args.split || args['label-map'])) {
  process.stderr.write(
    `eval:vision: --write-card needs --split (the card's figures are for held-out images) and no --label-map (they are for the model's own labels)\n`,
  );
  process.exit(2);
}

async function main(): Promise<number> {
  const modelDir = resolve(args.model);
  const dataRoot = resolve(args.data);
  const manifest = await readManifest(modelDir);
  const samples = args.split ? samplesFromSplit(resolve(args.split), dataRoot, modelDir, manifest) : samplesFromFolders(dataRoot);
  const missing = samples.filter((sample) => !existsSync(sample.path));
  if (missing.length > 0) {
    process.stderr.write(`${missing.length} listed files do not exist, e.g. ${missing.slice(0, 3).map((sample) => sample.path).join(', ')}\n`);
    return 1;
  }

  const classifier = new OnnxClassifier({
    modelDir,
    threads: 1,
    logger: createSilentLogger(),
    ...(args['label-map'] ? { labelMap: resolve(args['label-map']) } : {}),
  });
  await classifier.start();
  const health = classifier.health();
  if (health.state !== 'running') {
    process.stderr.write(`the model did not load: ${health.detail ?? health.state}\n`);
    return 1;
  }

  const threshold = Number(args['min-confidence'] ?? manifest.thresholds?.minConfidence ?? 0.6);
  const matrix = new ConfusionMatrix(classifier.labels);
  const confident = new ConfusionMatrix(classifier.labels);
  const failures: string[] = [];
  let preprocessMs = 0;
  let inferenceMs = 0;
  for (const sample of samples) {
    try {
      const result = await classifier.classify(readFileSync(sample.path));
      const top = result.scores[0];
      if (!top) throw new Error('no scores');
      matrix.add(sample.actual, top.label);
      if (top.probability >= threshold) confident.add(sample.actual, top.label);
      preprocessMs += result.preprocessMs ?? 0;
      inferenceMs += result.inferenceMs;
    } catch (error) {
      failures.push(`${sample.path}: ${(error as Error).message}`);
    }
  }
  const model = classifier.model;
  await classifier.stop();

  const fromEmpty = samples.filter((sample) => sample.origin === 'empty-validation').length;
  const lines = [
    `model:   ${model} (${modelDir})`,
    `data:    ${samples.length - fromEmpty} images from ${dataRoot}${fromEmpty > 0 ? ` + ${fromEmpty} empty-validation images` : ''}${args.split ? ` (split ${resolve(args.split)})` : ' (every image: includes training data unless --split is given)'}`,
    `path:    runtime preprocessing (sharp) + onnxruntime-node; mean ${(preprocessMs / Math.max(1, matrix.size)).toFixed(2)} ms preprocessing, ${(inferenceMs / Math.max(1, matrix.size)).toFixed(2)} ms inference`,
    '',
    // Only a held-out split is comparable with the trainer's validation figure.
    `accuracy ${percent(matrix.accuracy())} of ${matrix.size}${args.split ? trainerFigure(manifest, matrix.accuracy()) : ''}`,
    `at confidence >= ${threshold}: ${percent(confident.size / Math.max(1, matrix.size))} of items decided, ${percent(confident.accuracy())} of those right`,
    '',
    ...metricsTable(matrix),
    '',
    'confusion matrix (rows: true label, columns: predicted)',
    ...matrixTable(matrix),
  ];
  if (failures.length > 0) lines.push('', `${failures.length} images could not be classified:`, ...failures.slice(0, 10).map((failure) => `  ${failure}`));
  process.stdout.write(`${lines.join('\n')}\n`);

  if (args.json) {
    const report = {
      model,
      images: matrix.size,
      accuracy: matrix.accuracy(),
      threshold,
      decidedFraction: confident.size / Math.max(1, matrix.size),
      decidedAccuracy: confident.accuracy(),
      perClass: matrix.metrics(),
      confusion: Object.fromEntries(matrix.labels.map((actual) => [actual, Object.fromEntries(matrix.labels.map((predicted) => [predicted, matrix.count(actual, predicted)]))])),
      failures,
    };
    writeFileSync(resolve(args.json), `${JSON.stringify(report, null, 2)}\n`);
  }
  if (failures.length > 0) return 1;
  if (args['write-card']) writeCard(modelDir, manifest, { samples: samples.length, fromEmpty, matrix, confident, threshold, preprocessMs, inferenceMs });
  return 0;
}

interface Measured {
  samples: number;
  fromEmpty: number;
  matrix: ConfusionMatrix;
  confident: ConfusionMatrix;
  threshold: number;
  preprocessMs: number;
  inferenceMs: number;
}

/** Fills <model>/MODEL_CARD.md's "Measured through the runtime" section; creates the card if there is none. */
function writeCard(modelDir: string, manifest: ModelManifest, m: Measured): void {
  const cardPath = join(modelDir, 'MODEL_CARD.md');
  const card = existsSync(cardPath) ? readFileSync(cardPath, 'utf8') : `# Model card: ${manifest.name}\n`;
  const command = ['npm run eval:vision --', '--model', args.model, '--data', args.data, '--split', args.split];
  if (args['min-confidence'] !== undefined) command.push('--min-confidence', args['min-confidence']);
  const images = Math.max(1, m.matrix.size);
  const section = renderRuntimeSection({
    command: command.join(' '),
    date: new Date().toISOString().slice(0, 10),
    onnxruntimeVersion: onnxruntimeVersion(),
    photos: m.samples - m.fromEmpty,
    emptyImages: m.fromEmpty,
    matrix: m.matrix,
    trainerAccuracy: manifest.training?.validationAccuracy,
    threshold: m.threshold,
    decidedFraction: m.confident.size / images,
    decidedAccuracy: m.confident.accuracy(),
    meanPreprocessMs: m.preprocessMs / images,
    meanInferenceMs: m.inferenceMs / images,
  });
  writeFileSync(cardPath, replaceRuntimeSection(card, section));
  process.stdout.write(`\nwrote the "Measured through the runtime" section of ${cardPath}\n`);
}

/** The onnxruntime-node actually installed (package.json pins it, but node_modules is what ran). */
function onnxruntimeVersion(): string {
  const file = join(import.meta.dirname, '..', 'node_modules', 'onnxruntime-node', 'package.json');
  return z.object({ version: z.string() }).parse(JSON.parse(readFileSync(file, 'utf8'))).version;
}

function samplesFromFolders(dataRoot: string): Sample[] {
  return readdirSync(dataRoot, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) =>
      readdirSync(join(dataRoot, entry.name))
        .filter((file) => IMAGE.test(file))
        .sort()
        .map((file) => ({ path: join(dataRoot, entry.name, file), actual: entry.name, origin: 'data' as const })),
    );
}

function samplesFromSplit(splitPath: string, dataRoot: string, modelDir: string, manifest: ModelManifest): Sample[] {
  const split = ValidationSplit.parse(JSON.parse(readFileSync(splitPath, 'utf8')));
  const emptyLabel = manifest.emptyLabel;
  const emptySample = (pathInModelDir: string): Sample => {
    if (!emptyLabel) throw new Error(`the split names empty-validation images, but the manifest has no emptyLabel`);
    return { path: join(modelDir, pathInModelDir), actual: emptyLabel, origin: 'empty-validation' };
  };
  const samples = split.files.map((file): Sample => {
    const normalised = file.split(/[\\/]/).join(sep);
    if (file.startsWith(`${EMPTY_VALIDATION_DIR}/`)) return emptySample(normalised);
    const actual = file.split(/[\\/]/)[0] ?? '';
    return { path: join(dataRoot, normalised), actual, origin: 'data' };
  });
  const extra = split.emptyValidation;
  if (Array.isArray(extra)) {
    samples.push(...extra.map(emptySample));
  } else if (extra !== undefined || (emptyLabel && !samples.some((sample) => sample.origin === 'empty-validation'))) {
    // A folder named by the split, or the trainer's default folder when the split names no empty images itself.
    const folder = join(modelDir, extra ?? EMPTY_VALIDATION_DIR);
    const files = existsSync(folder) && statSync(folder).isDirectory() ? readdirSync(folder).filter((file) => IMAGE.test(file)).sort() : [];
    samples.push(...files.map((file) => emptySample(relative(modelDir, join(folder, file)))));
  }
  return samples;
}

function trainerFigure(manifest: ModelManifest, accuracy: number): string {
  const trainer = manifest.training?.validationAccuracy;
  if (trainer === undefined) return '';
  const skew = (accuracy - trainer) * 100;
  return `; the trainer reported ${percent(trainer)} (${skew >= 0 ? '+' : ''}${skew.toFixed(1)} points through this path)`;
}

function metricsTable(matrix: ConfusionMatrix): string[] {
  const width = Math.max(8, ...matrix.labels.map((label) => label.length));
  return [
    `${'label'.padEnd(width)}  precision  recall  support`,
    ...matrix.metrics().map(
      (metrics) => `${metrics.label.padEnd(width)}  ${percent(metrics.precision).padStart(9)}  ${percent(metrics.recall).padStart(6)}  ${String(metrics.support).padStart(7)}`,
    ),
  ];
}

function matrixTable(matrix: ConfusionMatrix): string[] {
  const labels = matrix.labels;
  const first = Math.max(8, ...labels.map((label) => label.length));
  const cell = Math.max(6, ...labels.map((label) => Math.min(label.length, 10))) + 1;
  const header = `${''.padEnd(first)}${labels.map((label) => label.slice(0, 10).padStart(cell)).join('')}`;
  return [header, ...labels.map((actual) => `${actual.padEnd(first)}${labels.map((predicted) => String(matrix.count(actual, predicted)).padStart(cell)).join('')}`)];
}

function percent(value: number): string {
  return Number.isNaN(value) ? '—' : `${(value * 100).toFixed(1)}%`;
}

process.exitCode = await main();

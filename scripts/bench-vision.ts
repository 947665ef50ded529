/**
 * Vision benchmark (npm run bench:vision): the runtime's own classify() path on
 * 1280x720 JPEG frames, single-threaded (sharp.concurrency(1), onnxruntime 1
 * thread), against a bare sharp decode-and-resize plus a bare session.run
 * measured in the same run, interleaved, so the pipeline's own overhead shows
 * as a ratio rather than drowning in machine noise.
 *
 *   npm run bench:vision [-- --model models/packaging-v1] [--data ../shared/datasets/trashnet/train] [--iterations 300] [--warmup 30] [--help]
 *
 * Frames: TrashNet photos upscaled to 1280x720 when the data set is there,
 * else synthetic ones. Model: the given (or shipped) model directory when it
 * has a manifest, else a built CNN of similar cost.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import sharp from 'sharp';
import { createSilentLogger } from '../src/ops/logger.js';
import { MANIFEST_FILE, readManifest, type ModelManifest } from '../src/vision/model-manifest.js';
import { expectedInputShape } from '../src/vision/model-shape.js';
import { OnnxClassifier } from '../src/vision/onnx-classifier.js';
import { convNet, manifestFor, writeModelDirectory } from '../test/vision/support/tiny-models.js';

const FRAME = { width: 1280, height: 720 };
const TARGETS = { p50Ms: 10, p99Ms: 20, ratio: 1.2 };

const USAGE = `usage: npm run bench:vision -- [options]

Times the runtime's own classify() on 1280x720 JPEG frames, single-threaded, against a bare sharp
decode-and-resize plus a bare session.run measured in the same run; prints p50/p99/mean per stage and
the targets (total p50 <= ${TARGETS.p50Ms} ms, p99 <= ${TARGETS.p99Ms} ms, ratio total/bare <= ${TARGETS.ratio}).

  --model DIR       model directory; without a manifest there, a built CNN of similar cost (default models/packaging-v1)
  --data DIR        folder per class; 4 photos of each are upscaled to frames, else 12 synthetic frames
                    (default ../shared/datasets/trashnet/train)
  --iterations N    measured rounds (default 300)
  --warmup N        rounds run first and not measured (default 30)
  -h, --help        print this and exit
`;

function parseArguments() {
  try {
    return parseArgs({
      options: {
        model: { type: 'string', default: 'models/packaging-v1' },
        data: { type: 'string', default: '../shared/datasets/trashnet/train' },
        iterations: { type: 'string', default: '300' },
        warmup: { type: 'string', default: '30' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`bench:vision: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

const args = parseArguments();
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const iterations = Number(args.iterations);
const warmup = Number(args.warmup);

sharp.concurrency(1);
// Same-size frames in a loop would otherwise hit libvips' operation cache and flatter both sides.
sharp.cache(false);

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'bench-vision-'));
  try {
    const { directory, manifest, source } = await chooseModel(resolve(args.model), scratch);
    const { frames, origin } = await makeFrames(resolve(args.data));
    const reference = join(scratch, 'chamber-empty.jpg');
    await sharp({ create: { ...FRAME, channels: 3, background: { r: 180, g: 175, b: 165 } } }).jpeg({ quality: 85 }).toFile(reference);

    const classifier = new OnnxClassifier({
      modelDir: directory,
      threads: 1,
      emptyReference: { path: reference, maxDifference: 0.1 },
      logger: createSilentLogger(),
    });
    await classifier.start();
    if (classifier.health().state !== 'running') throw new Error(`classifier did not start: ${classifier.health().detail ?? ''}`);
    const bare = await bareBaseline(join(directory, manifest.model.file), manifest);

    const samples = { pre: [] as number[], infer: [] as number[], total: [] as number[], bareDecode: [] as number[], bareRun: [] as number[] };
    for (let round = 0; round < warmup + iterations; round += 1) {
      const frame = frames[round % frames.length] as Buffer;
      const keep = round >= warmup;
      // Alternate which side goes first, so neither always runs on a warm cache left by the other.
      const sides = round % 2 === 0 ? [pipeline, baseline] : [baseline, pipeline];
      for (const side of sides) await side(frame, keep);
    }
    await classifier.stop();
    await bare.session.release();

    async function pipeline(frame: Buffer, keep: boolean): Promise<void> {
      const started = performance.now();
      const result = await classifier.classify(frame);
      const total = performance.now() - started;
      if (!keep) return;
      samples.total.push(total);
      samples.pre.push(result.preprocessMs ?? Number.NaN);
      samples.infer.push(result.inferenceMs);
    }

    async function baseline(frame: Buffer, keep: boolean): Promise<void> {
      const decoded = performance.now();
      await bare.decode(frame);
      const ran = performance.now();
      await bare.run();
      const done = performance.now();
      if (!keep) return;
      samples.bareDecode.push(ran - decoded);
      samples.bareRun.push(done - ran);
    }

    report({ manifest, source, origin, frames: frames.length, samples });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

interface ChosenModel {
  directory: string;
  manifest: ModelManifest;
  source: string;
}

async function chooseModel(directory: string, scratch: string): Promise<ChosenModel> {
  if (existsSync(join(directory, MANIFEST_FILE))) {
    return { directory, manifest: await readManifest(directory), source: directory };
  }
  const labels = ['cardboard', 'glass', 'metal', 'paper', 'plastic', 'trash', 'empty'];
  const bytes = convNet({ width: 128, height: 96, labelCount: labels.length });
  const manifest = manifestFor(bytes, {
    name: 'bench-cnn',
    version: '0.0.0',
    labels,
    emptyLabel: 'empty',
    input: { name: 'input', layout: 'NCHW', width: 128, height: 96, channels: 3, colorOrder: 'RGB', resize: 'fill' },
  });
  const built = join(scratch, 'bench-cnn');
  await writeModelDirectory(built, bytes, manifest);
  return { directory: built, manifest, source: `built CNN (0.4 M parameters, 128x96) — no manifest in ${directory}` };
}

async function makeFrames(dataRoot: string): Promise<{ frames: Buffer[]; origin: string }> {
  const upscale = (image: sharp.Sharp): Promise<Buffer> => image.resize(FRAME.width, FRAME.height, { fit: 'fill' }).jpeg({ quality: 85 }).toBuffer();
  if (existsSync(dataRoot)) {
    const photos = readdirSync(dataRoot, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((entry) =>
        readdirSync(join(dataRoot, entry.name))
          .filter((file) => /\.jpe?g$/i.test(file))
          .sort()
          .slice(0, 4)
          .map((file) => join(dataRoot, entry.name, file)),
      );
    if (photos.length > 0) {
      return { frames: await Promise.all(photos.map((path) => upscale(sharp(readFileSync(path))))), origin: `${photos.length} TrashNet photos upscaled` };
    }
  }
  const frames = await Promise.all(
    Array.from({ length: 12 }, (_, index) => {
      const box = Buffer.alloc(400 * 300 * 3, (index * 37) % 256);
      return upscale(
        sharp({ create: { ...FRAME, channels: 3, background: { r: 180 - index * 5, g: 175, b: 165 + index * 3 } } }).composite([
          { input: box, raw: { width: 400, height: 300, channels: 3 }, left: 200 + index * 40, top: 150 + index * 10 },
        ]),
      );
    }),
  );
  return { frames, origin: `12 synthetic frames (no data set at ${dataRoot})` };
}

/** What the pipeline is measured against: sharp's decode + resize to the model size, and session.run on a ready tensor. */
async function bareBaseline(modelFile: string, manifest: ModelManifest) {
  const { width, height, name } = manifest.input;
  const session = await InferenceSession.create(readFileSync(modelFile), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const tensor = new Tensor('float32', new Float32Array(width * height * 3).fill(0.1), expectedInputShape(manifest.input));
  return {
    session,
    decode: (jpeg: Buffer) => sharp(jpeg).resize(width, height, { fit: 'fill' }).raw().toBuffer(),
    run: () => session.run({ [name]: tensor }),
  };
}

interface Report {
  manifest: ModelManifest;
  source: string;
  origin: string;
  frames: number;
  samples: Record<'pre' | 'infer' | 'total' | 'bareDecode' | 'bareRun', number[]>;
}

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

function report({ manifest, source, origin, frames, samples }: Report): void {
  const bareSum = samples.bareDecode.map((decode, index) => decode + (samples.bareRun[index] ?? 0));
  const rows: Array<[string, readonly number[]]> = [
    ['preprocessing (decode, resize, normalise, chamber check)', samples.pre],
    ['inference (session.run)', samples.infer],
    ['total classify()', samples.total],
    ['bare sharp decode + resize', samples.bareDecode],
    ['bare session.run', samples.bareRun],
    ['bare sum', bareSum],
  ];
  const ms = (value: number): string => value.toFixed(2).padStart(7);
  const out: string[] = [
    `model:  ${manifest.name}@${manifest.version} ${manifest.input.width}x${manifest.input.height} ${manifest.input.layout} (${source})`,
    `frames: ${frames} x ${FRAME.width}x${FRAME.height} JPEG, ${origin}; ${samples.total.length} measured iterations; sharp concurrency 1, onnxruntime 1 thread`,
    '',
    `${'stage'.padEnd(58)}  p50 ms  p99 ms  mean ms`,
    ...rows.map(([name, values]) => `${name.padEnd(58)} ${ms(percentile(values, 0.5))} ${ms(percentile(values, 0.99))} ${ms(mean(values))}`),
    '',
  ];
  const p50 = percentile(samples.total, 0.5);
  const p99 = percentile(samples.total, 0.99);
  const ratio = p50 / percentile(bareSum, 0.5);
  const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
  out.push(
    `target total p50 <= ${TARGETS.p50Ms} ms        ${ms(p50)} ms   ${verdict(p50 <= TARGETS.p50Ms)}`,
    `target total p99 <= ${TARGETS.p99Ms} ms        ${ms(p99)} ms   ${verdict(p99 <= TARGETS.p99Ms)}`,
    `target ratio total/bare (p50) <= ${TARGETS.ratio} ${ratio.toFixed(3).padStart(7)}      ${verdict(ratio <= TARGETS.ratio)}`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
}

await main();

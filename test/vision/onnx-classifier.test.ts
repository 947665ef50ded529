import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KioskError } from '../../src/ops/errors.js';
import { ErrorCode, isKioskError } from '../../src/ops/errors.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import type { Classification } from '../../src/vision/classifier.js';
import { decide } from '../../src/vision/decision.js';
import type { ModelManifest } from '../../src/vision/model-manifest.js';
import { OnnxClassifier, type OnnxClassifierOptions } from '../../src/vision/onnx-classifier.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { frameWithBox, solidJpeg } from './support/images.js';
import { colourModel, manifestFor, writeModelDirectory, type Layout, type Rgb } from './support/tiny-models.js';

const BROWN: Rgb = [150, 100, 60];
const WHITE: Rgb = [235, 235, 230];
const BLUE: Rgb = [40, 90, 200];
const CHAMBER: Rgb = [180, 175, 165];
const labels = ['cardboard', 'paper', 'plastic', 'empty'];

/** A packaging classifier by colour: brown cardboard, white paper, blue plastic, the grey chamber floor empty. */
async function writePackagingModel(directory: string, options: { layout?: Layout; softmax?: boolean } = {}): Promise<ModelManifest> {
  const layout = options.layout ?? 'NCHW';
  const bytes = colourModel({
    layout,
    width: 32,
    height: 24,
    labelCount: labels.length,
    prototypes: new Map([
      [0, BROWN],
      [1, WHITE],
      [2, BLUE],
      [3, CHAMBER],
    ]),
    ...(options.softmax ? { softmax: true } : {}),
  });
  const manifest = manifestFor(bytes, {
    name: 'packaging-tiny',
    version: '1.0.0',
    labels,
    emptyLabel: 'empty',
    input: { name: 'input', layout, width: 32, height: 24, channels: 3, colorOrder: 'RGB', resize: 'fill' },
    output: { name: 'output', activation: options.softmax ? 'none' : 'softmax' },
  });
  await writeModelDirectory(directory, bytes, manifest);
  return manifest;
}

describe('OnnxClassifier', () => {
  let dir: TempDir;
  let classifier: OnnxClassifier | undefined;
  const faults: KioskError[] = [];
  let recoveries = 0;

  function make(options: Partial<OnnxClassifierOptions> = {}): OnnxClassifier {
    classifier = new OnnxClassifier({ modelDir: dir.file('model'), logger: createSilentLogger(), ...options });
    classifier.on('fault', (error) => faults.push(error));
    classifier.on('recovered', () => {
      recoveries += 1;
    });
    return classifier;
  }

  beforeEach(() => {
    dir = makeTempDir('kiosk-onnx-');
    faults.length = 0;
    recoveries = 0;
  });

  afterEach(async () => {
    await classifier?.stop();
    classifier = undefined;
    dir.remove();
  });

  describe('with a good model', () => {
    it('starts (loaded, verified, warmed up) and classifies a 1280x720 camera frame', async () => {
      await writePackagingModel(dir.file('model'));
      const onnx = make();
      expect(onnx.health().state).toBe('stopped');
      await onnx.start();
      expect(onnx.health()).toEqual({ state: 'running' });
      expect(onnx.model).toBe('packaging-tiny@1.0.0');
      expect(onnx.labels).toEqual(labels);

      const result = await onnx.classify(await solidJpeg(1280, 720, BROWN));
      expect(result.model).toBe('packaging-tiny@1.0.0');
      expect(result.emptyLabel).toBe('empty');
      expect(result.chamber).toBeUndefined();
      expect(result.scores.map((score) => score.label).sort()).toEqual([...labels].sort());
      expect(result.scores[0]?.label).toBe('cardboard');
      expect(result.scores[0]?.probability).toBeGreaterThan(0.9);
      const probabilities = result.scores.map((score) => score.probability);
      expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
      expect(probabilities.reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 6);
      expect(result.inferenceMs).toBeGreaterThanOrEqual(0);
      expect(result.preprocessMs).toBeGreaterThanOrEqual(0);
      expect(faults).toEqual([]);
    });

    it.each([
      ['NCHW, logits', { layout: 'NCHW' as const }],
      ['NHWC, probabilities', { layout: 'NHWC' as const, softmax: true }],
    ])('tells the materials apart (%s)', async (_name, options) => {
      await writePackagingModel(dir.file('model'), options);
      const onnx = make();
      await onnx.start();
      for (const [colour, label] of [
        [BROWN, 'cardboard'],
        [WHITE, 'paper'],
        [BLUE, 'plastic'],
        [CHAMBER, 'empty'],
      ] as const) {
        expect((await onnx.classify(await solidJpeg(640, 480, colour))).scores[0]?.label).toBe(label);
      }
    });

    it('classifies overlapping calls each on its own frame (the tensor buffer is shared, so calls queue)', async () => {
      await writePackagingModel(dir.file('model'));
      const onnx = make();
      await onnx.start();
      const frames = await Promise.all([BROWN, WHITE, BLUE, BROWN, CHAMBER].map((colour) => solidJpeg(320, 240, colour)));
      const results = await Promise.all(frames.map((frame) => onnx.classify(frame)));
      expect(results.map((result) => result.scores[0]?.label)).toEqual(['cardboard', 'paper', 'plastic', 'cardboard', 'empty']);
    });

    it('looks only at the chamber region', async () => {
      await writePackagingModel(dir.file('model'));
      // A brown parcel in the middle of a white-walled frame.
      const frame = await frameWithBox(1280, 720, WHITE, { left: 0.3, top: 0.25, width: 0.4, height: 0.5, colour: BROWN });
      const whole = make();
      await whole.start();
      expect((await whole.classify(frame)).scores[0]?.label).toBe('paper');
      await whole.stop();
      const chamber = make({ chamber: { left: 0.35, top: 0.3, width: 0.3, height: 0.4 } });
      await chamber.start();
      expect((await chamber.classify(frame)).scores[0]?.label).toBe('cardboard');
    });

    it('compares each frame with the calibrated empty chamber, so the decision never takes it for an item', async () => {
      await writePackagingModel(dir.file('model'));
      // The real chamber floor is brown-ish: the model alone would call it cardboard.
      await writeFile(dir.file('reference.jpg'), await solidJpeg(1280, 720, BROWN));
      const onnx = make({ emptyReference: { path: dir.file('reference.jpg'), maxDifference: 0.1 } });
      await onnx.start();
      const empty = await onnx.classify(await solidJpeg(1280, 720, BROWN));
      expect(empty.scores[0]?.label).toBe('cardboard');
      expect(empty.chamber?.difference).toBeLessThanOrEqual(0.1);
      const rules = { minConfidence: 0.6, minItemGrams: 5, maxItemGrams: 5000, routes: { cardboard: 'carton' } };
      expect(decide({ classification: empty, weightGrams: 0.4 }, rules).reasons).toEqual(['too-light', 'empty-chamber']);

      const parcel = await onnx.classify(await frameWithBox(1280, 720, BROWN, { left: 0.05, top: 0.05, width: 0.9, height: 0.9, colour: BLUE }));
      expect(parcel.chamber?.difference).toBeGreaterThan(0.1);
      expect(decide({ classification: parcel, weightGrams: 40 }, { ...rules, routes: { plastic: 'mailer' } }).route).toBe('mailer');
    });

    it('runs without an empty-chamber reference until one is calibrated, and picks it up on reload', async () => {
      await writePackagingModel(dir.file('model'));
      const onnx = make({ emptyReference: { path: dir.file('reference.jpg'), maxDifference: 0.1 } });
      await onnx.start();
      expect(onnx.health().state).toBe('running');
      expect((await onnx.classify(await solidJpeg(320, 240, CHAMBER))).chamber).toBeUndefined();
      await writeFile(dir.file('reference.jpg'), await solidJpeg(1280, 720, CHAMBER));
      expect(await onnx.reloadReference()).toBe(true);
      expect((await onnx.classify(await solidJpeg(320, 240, CHAMBER))).chamber?.difference).toBeLessThanOrEqual(0.1);
    });

    it('rejects an undecodable frame with a coded error and keeps running', async () => {
      await writePackagingModel(dir.file('model'));
      const onnx = make();
      await onnx.start();
      const error = await onnx.classify(Buffer.from('garbage')).catch((caught: unknown) => caught);
      expect(isKioskError(error, ErrorCode.FrameUndecodable)).toBe(true);
      expect(onnx.health().state).toBe('running');
      expect((await onnx.classify(await solidJpeg(320, 240, BLUE))).scores[0]?.label).toBe('plastic');
    });

    it('refuses to classify before start and after stop (E201)', async () => {
      await writePackagingModel(dir.file('model'));
      const onnx = make();
      expect(isKioskError(await onnx.classify(await solidJpeg(64, 48, BLUE)).catch((e: unknown) => e), ErrorCode.ClassifierFault)).toBe(true);
      await onnx.start();
      await onnx.stop();
      expect(onnx.health().state).toBe('stopped');
      expect(isKioskError(await onnx.classify(await solidJpeg(64, 48, BLUE)).catch((e: unknown) => e), ErrorCode.ClassifierFault)).toBe(true);
    });
  });

  describe('with a bad model: faulted, never thrown', () => {
    async function expectFaulted(onnx: OnnxClassifier, code: ErrorCode): Promise<void> {
      await expect(onnx.start()).resolves.toBeUndefined();
      expect(onnx.health().state).toBe('faulted');
      expect(onnx.health().detail).toMatch(new RegExp(`^\\[E${code}\\]`));
      expect(faults.map((fault) => fault.code)).toEqual([code]);
      // The deposit flow catches the rejection and refuses the item with classifier-unavailable.
      const rejection = await onnx.classify(await solidJpeg(64, 48, BROWN)).catch((caught: unknown) => caught);
      expect(isKioskError(rejection, ErrorCode.ClassifierFault)).toBe(true);
      const classification: Classification | null = null;
      expect(decide({ classification, weightGrams: 300, faults: ['classifier-unavailable'] }, { minConfidence: 0.6, minItemGrams: 5, maxItemGrams: 5000, routes: {} }).reasons).toEqual([
        'classifier-unavailable',
      ]);
    }

    it('a missing model directory (E202)', async () => {
      const onnx = make();
      await expectFaulted(onnx, ErrorCode.ModelManifestInvalid);
      expect(onnx.model).toBe('model@unavailable');
    });

    it('a missing model file (E203)', async () => {
      await writePackagingModel(dir.file('model'));
      await rm(dir.file('model/model.onnx'));
      await expectFaulted(make(), ErrorCode.ModelFileMismatch);
    });

    it('a model file whose sha256 does not match (E203)', async () => {
      const manifest = await writePackagingModel(dir.file('model'));
      await writeFile(dir.file('model/manifest.json'), JSON.stringify({ ...manifest, model: { ...manifest.model, sha256: '0'.repeat(64) } }));
      await expectFaulted(make(), ErrorCode.ModelFileMismatch);
    });

    it('corrupt bytes that onnxruntime cannot load (E205), even with a manifest made for them', async () => {
      const corrupt = new Uint8Array(4096).map((_, index) => (index * 7919) % 251);
      await writeModelDirectory(
        dir.file('model'),
        corrupt,
        manifestFor(corrupt, { labels, input: { name: 'input', layout: 'NCHW', width: 32, height: 24, channels: 3, colorOrder: 'RGB', resize: 'fill' } }),
      );
      await expectFaulted(make(), ErrorCode.ModelLoadFailed);
    });

    it('a model whose input shape differs from its manifest (E204)', async () => {
      const manifest = await writePackagingModel(dir.file('model'));
      await writeFile(dir.file('model/manifest.json'), JSON.stringify({ ...manifest, input: { ...manifest.input, width: 64 } }));
      await expectFaulted(make(), ErrorCode.ModelShapeMismatch);
    });

    it('a label map that does not fit the model (E206)', async () => {
      await writePackagingModel(dir.file('model'));
      await writeFile(dir.file('map.json'), JSON.stringify({ labelMapVersion: 1, labels: { carton: 'cardboard', empty: 'empty' } }));
      await expectFaulted(make({ labelMap: dir.file('map.json') }), ErrorCode.LabelMapInvalid);
    });

    it('an empty-chamber reference that is no image (E207)', async () => {
      await writePackagingModel(dir.file('model'));
      await writeFile(dir.file('reference.jpg'), 'not a picture');
      await expectFaulted(make({ emptyReference: { path: dir.file('reference.jpg'), maxDifference: 0.1 } }), ErrorCode.ChamberReferenceInvalid);
    });

    it('recovers when started again after the model was fixed, with one recovered event', async () => {
      const onnx = make();
      await onnx.start();
      await onnx.start();
      expect(faults).toHaveLength(1);
      await writePackagingModel(dir.file('model'));
      await onnx.start();
      expect(onnx.health()).toEqual({ state: 'running' });
      expect(recoveries).toBe(1);
      expect((await onnx.classify(await solidJpeg(320, 240, WHITE))).scores[0]?.label).toBe('paper');
    });
  });

  it('keeps the model directory name in the model id while unavailable', async () => {
    const onnx = make({ modelDir: join(dir.path, 'packaging-v9') });
    await onnx.start();
    expect(onnx.model).toBe('packaging-v9@unavailable');
  });
});

/**
 * The label-agnostic path: a stock ImageNet-1k classifier (1000 outputs, no
 * empty label) drives the kiosk through a label map. The model here is a tiny
 * stand-in built by the test: it scores "carton" (index 478) highest for a
 * brown frame, "envelope" (549) for a white one, and so on.
 */
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClassifierConfig } from '../../src/ops/config/classifier-config.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { createClassifier } from '../../src/vision/create-classifier.js';
import { decide, type DecisionRules } from '../../src/vision/decision.js';
import { OnnxClassifier } from '../../src/vision/onnx-classifier.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { solidJpeg } from './support/images.js';
import { colourModel, IMAGENET_INDEX, imagenetLabels, manifestFor, writeModelDirectory, type Rgb } from './support/tiny-models.js';

const colours = {
  brown: [150, 100, 60],
  white: [235, 235, 230],
  blue: [40, 90, 200],
  red: [200, 30, 40],
  yellow: [230, 200, 40],
  green: [40, 160, 60],
} satisfies Record<string, Rgb>;

const labelMap = {
  labelMapVersion: 1,
  description: 'ImageNet-1k -> kiosk labels (test subset)',
  labels: {
    carton: 'cardboard',
    envelope: 'paper',
    packet: 'paper',
    'book jacket, dust cover, dust jacket, dust wrapper': 'paper',
    'plastic bag': 'plastic',
    'running shoe': 'textile',
    'jersey, T-shirt, tee shirt': 'textile',
  },
};

const rules: DecisionRules = {
  minConfidence: 0.6,
  minItemGrams: 5,
  maxItemGrams: 5000,
  routes: { cardboard: 'carton', paper: 'paper', plastic: 'mailer' },
};

describe('a stock ImageNet-1k classifier with a label map', () => {
  let dir: TempDir;
  let classifier: OnnxClassifier;

  beforeAll(async () => {
    dir = makeTempDir('kiosk-imagenet-');
    const bytes = colourModel({
      layout: 'NCHW',
      width: 16,
      height: 12,
      labelCount: 1000,
      prototypes: new Map<number, Rgb>([
        [IMAGENET_INDEX.carton, colours.brown],
        [IMAGENET_INDEX.envelope, colours.white],
        [IMAGENET_INDEX['plastic bag'], colours.blue],
        [IMAGENET_INDEX['running shoe'], colours.red],
        [IMAGENET_INDEX.packet, colours.yellow],
        [7, colours.green], // an ImageNet class the map leaves out
      ]),
    });
    await writeModelDirectory(
      dir.file('mobilenet'),
      bytes,
      manifestFor(bytes, {
        name: 'imagenet-stand-in',
        version: '1.0.0',
        labels: imagenetLabels(),
        input: { name: 'input', layout: 'NCHW', width: 16, height: 12, channels: 3, colorOrder: 'RGB', resize: 'cover' },
      }),
    );
    await writeFile(dir.file('imagenet-map.json'), JSON.stringify(labelMap));
    const config = ClassifierConfig.parse({ kind: 'onnx', modelDir: dir.file('mobilenet'), labelMap: dir.file('imagenet-map.json') });
    classifier = createClassifier(config, { logger: createSilentLogger() }) as OnnxClassifier;
    await classifier.start();
  });

  afterAll(async () => {
    await classifier.stop();
    dir.remove();
  });

  it('reports kiosk labels, with "other" for every unmapped ImageNet class', () => {
    expect(classifier.health().state).toBe('running');
    expect(classifier.model).toBe('imagenet-stand-in@1.0.0');
    expect(classifier.labels).toEqual(['cardboard', 'paper', 'plastic', 'textile', 'other']);
  });

  it.each([
    ['a brown carton', colours.brown, 'cardboard', 'carton', []],
    ['a white envelope', colours.white, 'paper', 'paper', []],
    ['a yellow packet', colours.yellow, 'paper', 'paper', []],
    ['a blue plastic bag', colours.blue, 'plastic', 'mailer', []],
    ['a running shoe', colours.red, 'textile', 'reject', ['material-not-accepted']],
    ['something ImageNet knows but the map leaves out', colours.green, 'other', 'reject', ['material-not-accepted']],
  ] as const)('routes %s', async (_name, colour, label, route, reasons) => {
    const classification = await classifier.classify(await solidJpeg(1280, 720, colour));
    expect(classification.scores).toHaveLength(5);
    expect(classification.scores[0]?.label).toBe(label);
    expect(classification.emptyLabel).toBeUndefined();
    expect(classification.scores.reduce((sum, score) => sum + score.probability, 0)).toBeCloseTo(1, 6);
    const decision = decide({ classification, weightGrams: 120 }, rules);
    expect(decision.route).toBe(route);
    expect(decision.reasons).toEqual(reasons);
  });

  it('sums the probabilities of every ImageNet class that maps to one kiosk label', async () => {
    // Halfway between white and yellow: envelope and packet share the probability, both count as paper.
    const classification = await classifier.classify(await solidJpeg(640, 480, [233, 218, 135]));
    const paper = classification.scores.find((score) => score.label === 'paper');
    expect(classification.scores[0]?.label).toBe('paper');
    expect(paper?.probability).toBeGreaterThan(0.95);
  });
});

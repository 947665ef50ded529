import { describe, expect, it } from 'vitest';
import { ClassifierConfig } from '../../src/ops/config/classifier-config.js';
import { createClassifier } from '../../src/vision/create-classifier.js';
import { decisionRulesFrom } from '../../src/vision/decision-rules.js';
import { OnnxClassifier } from '../../src/vision/onnx-classifier.js';
import { ScenarioClassifier } from '../../src/vision/scenario-classifier.js';

describe('classifier config', () => {
  it('fills the onnx defaults: one thread, the whole frame, no label map, no reference, no weight ranges', () => {
    expect(ClassifierConfig.parse({ kind: 'onnx', modelDir: 'models/packaging-v1' })).toEqual({
      kind: 'onnx',
      modelDir: 'models/packaging-v1',
      threads: 1,
      chamber: { left: 0, top: 0, width: 1, height: 1 },
      weightRanges: {},
    });
  });

  it('fills the reference threshold default', () => {
    const config = ClassifierConfig.parse({ kind: 'onnx', modelDir: 'm', emptyReference: { path: 'data/chamber-empty.jpg' } });
    expect(config.kind === 'onnx' && config.emptyReference).toEqual({ path: 'data/chamber-empty.jpg', maxDifference: 0.1 });
  });

  it('keeps the scenario kind as it was, with the decision fields optional', () => {
    expect(ClassifierConfig.parse({ kind: 'scenario' })).toEqual({ kind: 'scenario', weightRanges: {} });
  });

  it.each([
    ['a crop beyond the right edge', { chamber: { left: 0.6, top: 0, width: 0.5, height: 1 } }],
    ['a crop of zero height', { chamber: { left: 0, top: 0, width: 1, height: 0 } }],
    ['a crop in pixels', { chamber: { left: 100, top: 50, width: 640, height: 480 } }],
    ['a weight range upside down', { weightRanges: { cardboard: { minGrams: 500, maxGrams: 50 } } }],
    ['nine threads', { threads: 9 }],
    ['an unknown field', { modelPath: 'x' }],
  ])('refuses %s', (_name, change) => {
    expect(ClassifierConfig.safeParse({ kind: 'onnx', modelDir: 'm', ...change }).success).toBe(false);
  });
});

describe('createClassifier', () => {
  it('builds the scenario classifier', () => {
    expect(createClassifier({ kind: 'scenario', weightRanges: {} })).toBeInstanceOf(ScenarioClassifier);
  });

  it('builds the ONNX classifier without loading anything yet', () => {
    const classifier = createClassifier(ClassifierConfig.parse({ kind: 'onnx', modelDir: 'models/not-there' }));
    expect(classifier).toBeInstanceOf(OnnxClassifier);
    expect(classifier.health().state).toBe('stopped');
    expect(classifier.model).toBe('not-there@unavailable');
  });
});

describe('decisionRulesFrom', () => {
  const deposit = { minConfidence: 0.7, minItemGrams: 5, maxItemGrams: 8000 };
  const routes = { cardboard: 'carton' };

  it('takes the limits from deposit and the evidence tables from the classifier section', () => {
    const classifier = ClassifierConfig.parse({
      kind: 'onnx',
      modelDir: 'm',
      weightRanges: { cardboard: { minGrams: 20, maxGrams: 3000 } },
      waybillLabels: ['cardboard', 'plastic'],
    });
    // The deposit section has more fields; the rules only need these.
    const config = { deposit, routes, classifier } as unknown as Parameters<typeof decisionRulesFrom>[0];
    expect(decisionRulesFrom(config)).toEqual({
      minConfidence: 0.7,
      minItemGrams: 5,
      maxItemGrams: 8000,
      routes,
      weightRanges: { cardboard: { minGrams: 20, maxGrams: 3000 } },
      waybillLabels: ['cardboard', 'plastic'],
    });
  });

  it('leaves waybillLabels out when not configured, so the routed labels count as packaging', () => {
    const config = { deposit, routes, classifier: { kind: 'scenario', weightRanges: {} } } as unknown as Parameters<typeof decisionRulesFrom>[0];
    expect(decisionRulesFrom(config)).not.toHaveProperty('waybillLabels');
  });
});

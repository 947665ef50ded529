import { describe, expect, it } from 'vitest';
import type { Classification } from '../../src/vision/classifier.js';
import { decide, type DecisionRules } from '../../src/vision/decision.js';

const rules: DecisionRules = {
  minConfidence: 0.6,
  minItemGrams: 5,
  maxItemGrams: 5000,
  routes: { cardboard: 'carton', plastic: 'mailer' },
};

function seen(label: string, probability: number): Classification {
  return { scores: [{ label, probability }], model: 'test@1', inferenceMs: 1 };
}

describe('decide', () => {
  it.each([
    ['a confident cardboard of plausible weight', seen('cardboard', 0.9), 300, [], 'carton'],
    ['confidence exactly at the threshold', seen('plastic', 0.6), 40, [], 'mailer'],
    ['confidence below the threshold', seen('cardboard', 0.59), 300, ['low-confidence'], 'reject'],
    ['a material with no bin', seen('glass', 0.99), 400, ['material-not-accepted'], 'reject'],
    ['an empty chamber', seen('empty', 0.99), 300, ['empty-chamber'], 'reject'],
    ['no stable weight', seen('cardboard', 0.9), null, ['no-stable-weight'], 'reject'],
    ['a feather', seen('cardboard', 0.9), 1, ['too-light'], 'reject'],
    ['an anvil', seen('cardboard', 0.9), 9000, ['too-heavy'], 'reject'],
    ['several problems at once', seen('glass', 0.2), null, ['no-stable-weight', 'low-confidence', 'material-not-accepted'], 'reject'],
  ] as const)('%s', (_name, classification, weightGrams, reasons, route) => {
    const decision = decide({ classification, weightGrams }, rules);
    expect(decision.route).toBe(route);
    expect(decision.reasons).toEqual(reasons);
    expect(decision.label).toBe(classification.scores[0]?.label);
  });

  it('rejects with the flow fault when there is no classification', () => {
    expect(decide({ classification: null, weightGrams: 300, faults: ['camera-unavailable'] }, rules)).toEqual({
      route: 'reject',
      label: null,
      confidence: 0,
      reasons: ['camera-unavailable'],
    });
    expect(decide({ classification: null, weightGrams: 300 }, rules).reasons).toEqual(['classifier-unavailable']);
  });
});

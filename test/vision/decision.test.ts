import { describe, expect, it } from 'vitest';
import type { Classification, LabelScore } from '../../src/vision/classifier.js';
import { decide, type DecisionInput, type DecisionRules } from '../../src/vision/decision.js';

const rules: DecisionRules = {
  minConfidence: 0.6,
  minItemGrams: 5,
  maxItemGrams: 5000,
  routes: { cardboard: 'carton', paper: 'paper', plastic: 'mailer' },
};

function seen(label: string, probability: number): Classification {
  return { scores: [{ label, probability }], model: 'test@1', inferenceMs: 1 };
}

function scored(scores: Record<string, number>, extra: Partial<Classification> = {}): Classification {
  const list: LabelScore[] = Object.entries(scores)
    .map(([label, probability]) => ({ label, probability }))
    .sort((a, b) => b.probability - a.probability);
  return { scores: list, model: 'test@1', inferenceMs: 1, ...extra };
}

const waybill = [{ kind: 'waybill' as const }];

describe('decide', () => {
  describe('weight, confidence and material', () => {
    it.each([
      ['a confident cardboard of plausible weight', seen('cardboard', 0.9), 300, [], 'carton'],
      ['confidence exactly at the threshold', seen('plastic', 0.6), 40, [], 'mailer'],
      ['confidence below the threshold', seen('cardboard', 0.59), 300, ['low-confidence'], 'reject'],
      ['a material with no bin', seen('glass', 0.99), 400, ['material-not-accepted'], 'reject'],
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
  });

  describe('full bins', () => {
    it('hands back an item whose bin is full, and routes other items as usual', () => {
      const fullBins = new Set(['carton']);
      expect(decide({ classification: seen('cardboard', 0.9), weightGrams: 300, fullBins }, rules)).toEqual({ route: 'reject', label: 'cardboard', confidence: 0.9, reasons: ['bin-full'] });
      expect(decide({ classification: seen('plastic', 0.9), weightGrams: 40, fullBins }, rules).route).toBe('mailer');
      // A material with no bin is refused for that, not for a full bin.
      expect(decide({ classification: seen('glass', 0.9), weightGrams: 400, fullBins: new Set(['carton', 'paper', 'mailer']) }, rules).reasons).toEqual(['material-not-accepted']);
    });
  });

  describe('faults', () => {
    it('rejects with the flow fault when there is no classification', () => {
      expect(decide({ classification: null, weightGrams: 300, faults: ['camera-unavailable'] }, rules)).toEqual({
        route: 'reject',
        label: null,
        confidence: 0,
        reasons: ['camera-unavailable'],
      });
      expect(decide({ classification: null, weightGrams: 300 }, rules).reasons).toEqual(['classifier-unavailable']);
    });

    it('rejects a faulted classifier (classify() rejected) with classifier-unavailable, once', () => {
      const decision = decide({ classification: null, weightGrams: 300, faults: ['classifier-unavailable'] }, rules);
      expect(decision).toEqual({ route: 'reject', label: null, confidence: 0, reasons: ['classifier-unavailable'] });
    });

    it('treats a classification without scores as no classification', () => {
      const decision = decide({ classification: { scores: [], model: 'test@1', inferenceMs: 1 }, weightGrams: 300 }, rules);
      expect(decision.reasons).toEqual(['classifier-unavailable']);
    });
  });

  describe('empty chamber: image and scale together', () => {
    it('rejects the model\'s empty label on an empty scale as empty-chamber', () => {
      const decision = decide({ classification: seen('empty', 0.99), weightGrams: 0 }, rules);
      expect(decision).toEqual({ route: 'reject', label: 'empty', confidence: 0.99, reasons: ['too-light', 'empty-chamber'] });
    });

    it('rejects the empty label with an item on the scale as item-not-visible (image and weight disagree)', () => {
      expect(decide({ classification: seen('empty', 0.99), weightGrams: 300 }, rules).reasons).toEqual(['item-not-visible']);
    });

    it('uses the empty label the classification names', () => {
      const classification = scored({ nothing: 0.95, cardboard: 0.05 }, { emptyLabel: 'nothing' });
      const decision = decide({ classification, weightGrams: null }, rules);
      expect(decision.reasons).toEqual(['no-stable-weight', 'empty-chamber']);
      expect(decision.label).toBe('nothing');
    });

    it('never classifies a frame that matches the empty reference as an item, however sure the model is', () => {
      const classification = scored({ cardboard: 0.97, empty: 0.03 }, { chamber: { difference: 0.04, maxDifference: 0.1 } });
      expect(decide({ classification, weightGrams: 0 }, rules)).toEqual({
        route: 'reject',
        label: 'empty',
        confidence: 0.03,
        reasons: ['too-light', 'empty-chamber'],
      });
      expect(decide({ classification, weightGrams: 250 }, rules).reasons).toEqual(['item-not-visible']);
    });

    it('takes a difference exactly at the threshold as empty, and above it as an item', () => {
      const at = scored({ cardboard: 0.9, paper: 0.1 }, { chamber: { difference: 0.1, maxDifference: 0.1 } });
      const above = scored({ cardboard: 0.9, paper: 0.1 }, { chamber: { difference: 0.101, maxDifference: 0.1 } });
      expect(decide({ classification: at, weightGrams: 300 }, rules).reasons).toEqual(['item-not-visible']);
      expect(decide({ classification: above, weightGrams: 300 }, rules)).toMatchObject({ route: 'carton', reasons: [] });
    });
  });

  describe('weight plausibility per label', () => {
    const withRanges: DecisionRules = {
      ...rules,
      weightRanges: { cardboard: { minGrams: 50, maxGrams: 3000 }, plastic: { minGrams: 5, maxGrams: 300 } },
    };

    it.each([
      ['inside the range', 'cardboard', 300, [], 'carton'],
      ['at the lower bound', 'cardboard', 50, [], 'carton'],
      ['at the upper bound', 'plastic', 300, [], 'mailer'],
      ['too heavy for a mailer bag', 'plastic', 900, ['weight-implausible'], 'reject'],
      ['too light for a carton', 'cardboard', 20, ['weight-implausible'], 'reject'],
      ['a label without a range', 'paper', 4000, [], 'paper'],
    ] as const)('%s', (_name, label, weightGrams, reasons, route) => {
      const decision = decide({ classification: seen(label, 0.9), weightGrams }, withRanges);
      expect(decision.reasons).toEqual(reasons);
      expect(decision.route).toBe(route);
    });

    it('adds no plausibility reason when the weight already failed the deposit limits', () => {
      expect(decide({ classification: seen('cardboard', 0.9), weightGrams: 2 }, withRanges).reasons).toEqual(['too-light']);
      expect(decide({ classification: seen('cardboard', 0.9), weightGrams: null }, withRanges).reasons).toEqual(['no-stable-weight']);
    });
  });

  describe('barcode: a waybill means express packaging', () => {
    it('narrows the choice to packaging labels and conditions the probabilities on them', () => {
      const classification = scored({ cardboard: 0.55, glass: 0.35, paper: 0.1 });
      expect(decide({ classification, weightGrams: 300 }, rules).reasons).toEqual(['low-confidence']);
      const decision = decide({ classification, weightGrams: 300, barcodes: waybill }, rules);
      expect(decision.route).toBe('carton');
      expect(decision.label).toBe('cardboard');
      expect(decision.confidence).toBeCloseTo(0.55 / 0.65, 12);
      expect(decision.reasons).toEqual([]);
    });

    it('can pick a packaging label that was not the top label', () => {
      const classification = scored({ metal: 0.45, plastic: 0.4, paper: 0.15 });
      const lenient = { ...rules, minConfidence: 0.5, waybillLabels: ['plastic', 'paper'] };
      expect(decide({ classification, weightGrams: 40 }, lenient)).toMatchObject({ label: 'metal', reasons: ['low-confidence', 'material-not-accepted'] });
      const decision = decide({ classification, weightGrams: 40, barcodes: waybill }, lenient);
      expect(decision).toMatchObject({ route: 'mailer', label: 'plastic', reasons: [] });
      expect(decision.confidence).toBeCloseTo(0.4 / 0.55, 12);
    });

    it('only counts the configured waybill labels as packaging', () => {
      const classification = scored({ cardboard: 0.7, plastic: 0.3 });
      const decision = decide({ classification, weightGrams: 300, barcodes: waybill }, { ...rules, waybillLabels: ['plastic'] });
      expect(decision).toEqual({ route: 'reject', label: 'cardboard', confidence: 0.7, reasons: ['waybill-mismatch'] });
    });

    it('rejects with waybill-mismatch when the image gives packaging too little probability', () => {
      const classification = scored({ glass: 0.8, cardboard: 0.15, paper: 0.05 });
      const decision = decide({ classification, weightGrams: 300, barcodes: waybill }, rules);
      expect(decision).toEqual({ route: 'reject', label: 'glass', confidence: 0.8, reasons: ['waybill-mismatch', 'material-not-accepted'] });
    });

    it('still rejects when packaging labels are too evenly split after conditioning', () => {
      const classification = scored({ cardboard: 0.4, paper: 0.35, glass: 0.25 });
      const decision = decide({ classification, weightGrams: 300, barcodes: waybill }, rules);
      expect(decision.reasons).toEqual(['low-confidence']);
      expect(decision.label).toBe('cardboard');
    });

    it('ignores barcodes that are not waybills', () => {
      const classification = scored({ cardboard: 0.55, glass: 0.45 });
      const input: DecisionInput = { classification, weightGrams: 300, barcodes: [{ kind: 'gs1' }, { kind: 'unknown' }] };
      expect(decide(input, rules).reasons).toEqual(['low-confidence']);
    });

    it('checks the weight against the label the waybill chose', () => {
      const classification = scored({ glass: 0.45, plastic: 0.4, paper: 0.15 });
      const withRanges = { ...rules, minConfidence: 0.5, weightRanges: { plastic: { minGrams: 5, maxGrams: 300 } } };
      expect(decide({ classification, weightGrams: 800, barcodes: waybill }, withRanges).reasons).toEqual(['weight-implausible']);
    });
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLACEHOLDER_FRAME_JPEG } from '../../src/hardware/camera/placeholder-frame.js';
import { Scenario } from '../../src/hardware/simulation/scenario.js';
import { loadDeviceConfig } from '../../src/ops/config/load.js';
import type { Classification, Classifier } from '../../src/vision/classifier.js';
import { createClassifier } from '../../src/vision/create-classifier.js';
import { decide, type RejectReason } from '../../src/vision/decision.js';
import { decisionRulesFrom } from '../../src/vision/decision-rules.js';
import { projectRoot } from '../support/paths.js';

const { config } = loadDeviceConfig(join(projectRoot, 'device-config', 'default.json'));
const rules = decisionRulesFrom(config);
const demo = Scenario.parse(JSON.parse(readFileSync(join(projectRoot, 'device-config', 'scenarios', 'demo.json'), 'utf8')));
const emptyChamberPhoto = join(projectRoot, 'models', 'packaging-v1', 'empty-validation', 'empty-000.jpg');

/** What docs/simulation.md promises for the demo with the shipped model ("The demo scenario"), in scenario order. */
const documented: Array<{ label: string; route: string; reasons: RejectReason[] }> = [
  { label: 'cardboard', route: 'carton', reasons: [] },
  { label: 'plastic', route: 'mailer', reasons: [] },
  { label: 'paper', route: 'paper', reasons: [] },
  { label: 'glass', route: 'reject', reasons: ['material-not-accepted'] },
  { label: 'cardboard', route: 'carton', reasons: [] },
  { label: 'metal', route: 'reject', reasons: ['material-not-accepted'] },
  { label: 'empty', route: 'reject', reasons: ['item-not-visible'] },
  { label: 'plastic', route: 'reject', reasons: ['too-light'] },
];

/** The model's reading of a photo: the item's label at 0.8 (the demo's photos are read at >= 0.75), the rest spread thin. */
function readAs(label: string, chamberDifference: number): Classification {
  const others = ['cardboard', 'glass', 'metal', 'paper', 'plastic', 'trash', 'empty'].filter((other) => other !== label);
  return {
    scores: [{ label, probability: 0.8 }, ...others.map((other) => ({ label: other, probability: 0.2 / others.length }))],
    model: 'packaging-v1@1.0.0',
    inferenceMs: 1,
    emptyLabel: 'empty',
    chamber: { difference: chamberDifference, maxDifference: 0.1 },
  };
}

describe('the shipped default config (device-config/default.json)', () => {
  it('ships the simulator\'s empty-chamber reference: the frame the simulated camera shows while the chamber is empty', () => {
    expect(config.classifier.kind).toBe('onnx');
    const reference = config.classifier.kind === 'onnx' ? config.classifier.emptyReference : undefined;
    expect(reference?.path).toBe('./device-config/simulator/empty-chamber.jpg');
    // Regenerate with: npx tsx scripts/simulator-reference.ts
    expect(readFileSync(join(projectRoot, reference?.path ?? '')).equals(PLACEHOLDER_FRAME_JPEG)).toBe(true);
  });

  it('decides every demo item as docs/simulation.md says, weight ranges included', () => {
    expect(demo.items.map((item) => item.label)).toEqual(documented.map((outcome) => outcome.label));
    demo.items.forEach((item, index) => {
      const expected = documented[index];
      const barcodes = item.barcode?.startsWith('SF') ? [{ kind: 'waybill' as const }] : [];
      const decision = decide({ classification: readAs(item.label, 0.5), weightGrams: item.weightGrams, barcodes }, rules);
      expect({ item: index + 1, route: decision.route, reasons: decision.reasons }).toEqual({ item: index + 1, route: expected?.route, reasons: expected?.reasons });
    });
  });

  it('refuses an item whose weight does not fit the label the image gave, and only then', () => {
    const cases: Array<[label: string, grams: number, implausible: boolean]> = [
      ['cardboard', 15, true],
      ['cardboard', 20, false],
      ['cardboard', 3000, false],
      ['cardboard', 3500, true],
      ['paper', 1200, true],
      ['plastic', 900, true],
      ['glass', 30, true],
      ['metal', 15, false],
      ['trash', 9000, false],
    ];
    for (const [label, grams, implausible] of cases) {
      const { reasons } = decide({ classification: readAs(label, 0.5), weightGrams: grams }, rules);
      expect({ label, grams, implausible: reasons.includes('weight-implausible') }).toEqual({ label, grams, implausible });
    }
  });

  describe('with the shipped model and the reference', () => {
    let classifier: Classifier;
    beforeAll(async () => {
      classifier = createClassifier(config.classifier);
      await classifier.start();
      expect(classifier.health().state).toBe('running');
    });
    afterAll(async () => {
      await classifier.stop();
    });

    it('takes the simulator\'s empty frame for the empty chamber, and the weighed demo item 7 for an item the camera cannot see', async () => {
      const empty = await classifier.classify(PLACEHOLDER_FRAME_JPEG);
      expect(empty.chamber?.difference).toBe(0);
      expect(decide({ classification: empty, weightGrams: 0 }, rules).reasons).toEqual(['too-light', 'empty-chamber']);
      expect(decide({ classification: empty, weightGrams: 300 }, rules).reasons).toEqual(['item-not-visible']);

      // Demo item 7 shows a synthetic empty chamber of another colour: the model, not the reference, calls it empty.
      const seventh = await classifier.classify(readFileSync(emptyChamberPhoto));
      expect(seventh.scores[0]?.label).toBe('empty');
      expect(seventh.chamber?.difference).toBeGreaterThan(seventh.chamber?.maxDifference ?? 1);
      expect(decide({ classification: seventh, weightGrams: 300 }, rules)).toMatchObject({ route: 'reject', label: 'empty', reasons: ['item-not-visible'] });
    });
  });
});

import { describe, expect, it } from 'vitest';
import { ConfusionMatrix } from '../../src/vision/confusion-matrix.js';

describe('ConfusionMatrix', () => {
  it('counts per true and predicted label and derives precision and recall', () => {
    const matrix = new ConfusionMatrix(['cardboard', 'paper', 'empty']);
    for (const [actual, predicted] of [
      ['cardboard', 'cardboard'],
      ['cardboard', 'cardboard'],
      ['cardboard', 'paper'],
      ['paper', 'paper'],
      ['paper', 'cardboard'],
      ['glass', 'cardboard'],
    ] as const) {
      matrix.add(actual, predicted);
    }
    expect(matrix.labels).toEqual(['cardboard', 'paper', 'empty', 'glass']);
    expect(matrix.size).toBe(6);
    expect(matrix.count('cardboard', 'paper')).toBe(1);
    expect(matrix.accuracy()).toBeCloseTo(3 / 6, 12);
    const byLabel = Object.fromEntries(matrix.metrics().map((metrics) => [metrics.label, metrics]));
    expect(byLabel.cardboard).toMatchObject({ support: 3, predicted: 4, truePositives: 2, precision: 0.5, recall: 2 / 3 });
    expect(byLabel.paper).toMatchObject({ support: 2, predicted: 2, truePositives: 1, precision: 0.5, recall: 0.5 });
    expect(byLabel.glass).toMatchObject({ support: 1, predicted: 0, truePositives: 0, recall: 0 });
    expect(byLabel.glass?.precision).toBeNaN();
    expect(byLabel.empty?.recall).toBeNaN();
  });

  it('has no accuracy before anything was counted', () => {
    expect(new ConfusionMatrix().accuracy()).toBeNaN();
  });
});

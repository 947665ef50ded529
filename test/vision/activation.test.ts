import { describe, expect, it } from 'vitest';
import { toProbabilities } from '../../src/vision/activation.js';

describe('toProbabilities', () => {
  it('applies softmax to logits', () => {
    const probabilities = toProbabilities(Float32Array.from([1, 2, 3]), 'softmax', new Float64Array(3));
    const denominator = Math.exp(-2) + Math.exp(-1) + 1;
    expect([...probabilities]).toEqual([Math.exp(-2) / denominator, Math.exp(-1) / denominator, 1 / denominator]);
  });

  it('stays finite for logits far beyond exp()\'s range', () => {
    const probabilities = toProbabilities(Float32Array.from([1000, 999, -1000]), 'softmax', new Float64Array(3));
    expect(probabilities[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
    expect(probabilities[2]).toBe(0);
  });

  it('passes probabilities through when the model already emits them', () => {
    expect([...toProbabilities(Float32Array.from([0.25, 0.75]), 'none', new Float64Array(2))]).toEqual([0.25, 0.75]);
  });

  it('refuses "probabilities" outside 0..1: a manifest that says "none" for a model emitting logits', () => {
    expect(() => toProbabilities(Float32Array.from([3.2, -1.5]), 'none', new Float64Array(2))).toThrow(/no probability/);
    expect([...toProbabilities(Float32Array.from([1.0000001, -0.0000001]), 'none', new Float64Array(2))]).toEqual([1, 0]);
  });

  it('writes into the buffer it is given', () => {
    const into = new Float64Array(2);
    expect(toProbabilities([0, 0], 'softmax', into)).toBe(into);
  });

  it('refuses NaN or infinite output: such scores must never reach the decision', () => {
    expect(() => toProbabilities(Float32Array.from([0.5, Number.NaN]), 'softmax', new Float64Array(2))).toThrow(/NaN/);
    expect(() => toProbabilities(Float32Array.from([Number.POSITIVE_INFINITY, 0]), 'none', new Float64Array(2))).toThrow(/Infinity/);
  });
});

/**
 * Model output -> probabilities, as the manifest's output.activation says:
 * "softmax" (the model emits logits) or "none" (it already emits probabilities).
 */
import type { ModelManifest } from './model-manifest.js';

export type Activation = ModelManifest['output']['activation'];

/** How far outside 0..1 a float32 probability may stray by rounding. */
const PROBABILITY_SLACK = 1e-3;

/**
 * Writes probabilities into `into` (reused across frames) and returns it.
 * Throws on a non-finite output: NaN scores must never reach the decision.
 */
export function toProbabilities(output: ArrayLike<number>, activation: Activation, into: Float64Array): Float64Array {
  if (into.length !== output.length) throw new Error(`activation: ${output.length} outputs for ${into.length} labels`);
  let max = -Infinity;
  for (let index = 0; index < output.length; index += 1) {
    const value = output[index]!;
    if (!Number.isFinite(value)) throw new Error(`the model output ${value} at index ${index}`);
    if (value > max) max = value;
  }
  if (activation === 'none') {
    for (let index = 0; index < output.length; index += 1) {
      const value = output[index]!;
      // A model whose manifest says "none" but that emits logits would otherwise pass scores above 1 on as probabilities.
      if (value < -PROBABILITY_SLACK || value > 1 + PROBABILITY_SLACK) throw new Error(`the model output ${value} at index ${index} is no probability`);
      into[index] = Math.min(1, Math.max(0, value));
    }
    return into;
  }
  // Subtracting the largest logit keeps exp() from overflowing; the result is the same.
  let sum = 0;
  for (let index = 0; index < output.length; index += 1) {
    const exp = Math.exp(output[index]! - max);
    into[index] = exp;
    sum += exp;
  }
  for (let index = 0; index < into.length; index += 1) into[index] = into[index]! / sum;
  return into;
}

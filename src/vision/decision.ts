import type { Classification } from './classifier.js';

export const REJECT = 'reject';

/** Why an item was refused; the codes go into events and onto the consumer's screen. */
export type RejectReason =
  | 'no-stable-weight'
  | 'too-light'
  | 'too-heavy'
  | 'camera-unavailable'
  | 'classifier-unavailable'
  | 'empty-chamber'
  | 'low-confidence'
  | 'material-not-accepted';

export interface DecisionInput {
  classification: Classification | null;
  weightGrams: number | null;
  /** Faults the deposit flow met on the way (camera or classifier down). */
  faults?: readonly RejectReason[];
}

export interface DecisionRules {
  minConfidence: number;
  minItemGrams: number;
  maxItemGrams: number;
  /** classifier label -> bin */
  routes: Readonly<Record<string, string>>;
}

export interface Decision {
  route: string;
  label: string | null;
  confidence: number;
  reasons: RejectReason[];
}

/**
 * Accept, route or reject. Every rule that fails adds its reason, so a refusal
 * always says why; an item is accepted only when no rule objects.
 */
export function decide(input: DecisionInput, rules: DecisionRules): Decision {
  const reasons: RejectReason[] = [...(input.faults ?? [])];
  const { classification, weightGrams } = input;
  if (weightGrams === null) reasons.push('no-stable-weight');
  else if (weightGrams < rules.minItemGrams) reasons.push('too-light');
  else if (weightGrams > rules.maxItemGrams) reasons.push('too-heavy');

  const top = classification?.scores[0];
  if (!classification || !top) {
    if (!reasons.some((reason) => reason === 'camera-unavailable' || reason === 'classifier-unavailable')) {
      reasons.push('classifier-unavailable');
    }
    return { route: REJECT, label: null, confidence: 0, reasons };
  }
  if (top.label === 'empty') reasons.push('empty-chamber');
  else if (top.probability < rules.minConfidence) reasons.push('low-confidence');
  const bin = rules.routes[top.label];
  if (bin === undefined && top.label !== 'empty') reasons.push('material-not-accepted');

  if (reasons.length > 0 || bin === undefined) {
    return { route: REJECT, label: top.label, confidence: top.probability, reasons };
  }
  return { route: bin, label: top.label, confidence: top.probability, reasons };
}

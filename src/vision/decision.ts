/**
 * The fused decision: image, weight and barcode together decide where an item
 * goes, or why it is refused.
 *
 *   faults ─┐
 *   weight ─┼──► chamber (image vs scale) ──► label (image, narrowed by a waybill) ──► confidence ──► weight plausibility ──► route
 *   image  ─┘
 *
 * Every rule that fails adds its reason, so a refusal always says why; an item
 * is accepted only when no rule objects. Never a silent guess.
 */
import type { ScannedCode } from '../protocol/events.js';
import type { Classification, ChamberComparison, LabelScore } from './classifier.js';
import { judgeChamber } from './empty-chamber.js';

export const REJECT = 'reject';

/** The empty label assumed when a classification names none (the scenario classifier's). */
export const DEFAULT_EMPTY_LABEL = 'empty';

/** Why an item was refused; the codes go into events and onto the consumer's screen (docs/protocol.md). */
export type RejectReason =
  | 'no-stable-weight'
  | 'too-light'
  | 'too-heavy'
  | 'camera-unavailable'
  | 'classifier-unavailable'
  | 'empty-chamber'
  | 'low-confidence'
  | 'material-not-accepted'
  /** The image shows the empty chamber, yet the scale holds an item: image and weight disagree. */
  | 'item-not-visible'
  /** The weight is outside the plausible range of the label the image gave: image and weight disagree. */
  | 'weight-implausible'
  /** A courier waybill was scanned (express packaging), but the image gives packaging labels too little probability. */
  | 'waybill-mismatch'
  /** The item belongs in a bin whose full sensor is active: it is handed back rather than jammed in. */
  | 'bin-full';

export interface WeightRange {
  minGrams: number;
  maxGrams: number;
}

export interface DecisionInput {
  classification: Classification | null;
  weightGrams: number | null;
  /** Faults the deposit flow met on the way (camera or classifier down). */
  faults?: readonly RejectReason[];
  /** Codes scanned for this item; a waybill means express packaging. */
  barcodes?: readonly Pick<ScannedCode, 'kind'>[];
  /** Bins whose full sensor is active now. */
  fullBins?: ReadonlySet<string>;
}

export interface DecisionRules {
  minConfidence: number;
  minItemGrams: number;
  maxItemGrams: number;
  /** classifier label -> bin */
  routes: Readonly<Record<string, string>>;
  /** label -> plausible weight of one item; labels without an entry are not checked. */
  weightRanges?: Readonly<Record<string, WeightRange>>;
  /** Labels an item with a courier waybill can be; default: every label in routes. */
  waybillLabels?: readonly string[];
}

export interface Decision {
  route: string;
  label: string | null;
  confidence: number;
  reasons: RejectReason[];
}

export function decide(input: DecisionInput, rules: DecisionRules): Decision {
  const reasons: RejectReason[] = [...(input.faults ?? [])];
  const { classification, weightGrams } = input;
  const weightReason = checkWeight(weightGrams, rules);
  if (weightReason) reasons.push(weightReason);

  const top = classification?.scores[0];
  if (!classification || !top) {
    if (!reasons.some((reason) => reason === 'camera-unavailable' || reason === 'classifier-unavailable')) {
      reasons.push('classifier-unavailable');
    }
    return { route: REJECT, label: null, confidence: 0, reasons };
  }

  // An empty chamber is never classified as an item, whatever the other labels say.
  const emptyLabel = classification.emptyLabel ?? DEFAULT_EMPTY_LABEL;
  const imageLooksEmpty = top.label === emptyLabel || looksLikeReference(classification.chamber);
  const chamber = judgeChamber({ imageLooksEmpty, weightGrams, minItemGrams: rules.minItemGrams });
  if (chamber !== 'occupied') {
    reasons.push(chamber === 'empty' ? 'empty-chamber' : 'item-not-visible');
    return { route: REJECT, label: emptyLabel, confidence: probabilityOf(classification.scores, emptyLabel), reasons };
  }

  const waybill = input.barcodes?.some((code) => code.kind === 'waybill') ?? false;
  const choice = waybill ? chooseWithWaybill(classification.scores, rules) : { label: top.label, confidence: top.probability, mismatch: false };
  if (choice.mismatch) reasons.push('waybill-mismatch');
  if (choice.confidence < rules.minConfidence) reasons.push('low-confidence');
  // Plausibility only means something for a weight the kiosk accepts at all; otherwise the weight rule has spoken.
  const range = rules.weightRanges?.[choice.label];
  if (range && weightReason === undefined && weightGrams !== null && (weightGrams < range.minGrams || weightGrams > range.maxGrams)) {
    reasons.push('weight-implausible');
  }
  const bin = rules.routes[choice.label];
  if (bin === undefined) reasons.push('material-not-accepted');
  else if (input.fullBins?.has(bin)) reasons.push('bin-full');

  if (reasons.length > 0 || bin === undefined) {
    return { route: REJECT, label: choice.label, confidence: choice.confidence, reasons };
  }
  return { route: bin, label: choice.label, confidence: choice.confidence, reasons };
}

function checkWeight(weightGrams: number | null, rules: DecisionRules): RejectReason | undefined {
  if (weightGrams === null) return 'no-stable-weight';
  if (weightGrams < rules.minItemGrams) return 'too-light';
  if (weightGrams > rules.maxItemGrams) return 'too-heavy';
  return undefined;
}

function looksLikeReference(chamber: ChamberComparison | undefined): boolean {
  return chamber !== undefined && chamber.difference <= chamber.maxDifference;
}

function probabilityOf(scores: readonly LabelScore[], label: string): number {
  return scores.find((score) => score.label === label)?.probability ?? 0;
}

interface Choice {
  label: string;
  confidence: number;
  mismatch: boolean;
}

/**
 * A waybill says the item is express packaging, so only packaging labels are
 * candidates: the image's probabilities conditioned on "packaging"
 * (p(label) / p(any packaging label)). When the image gives packaging too
 * little probability in the first place, image and barcode disagree: the
 * image's own top label stands, with the mismatch as a reason.
 */
function chooseWithWaybill(scores: readonly LabelScore[], rules: DecisionRules): Choice {
  const packaging = new Set(rules.waybillLabels ?? Object.keys(rules.routes));
  const candidates = scores.filter((score) => packaging.has(score.label));
  const mass = candidates.reduce((sum, score) => sum + score.probability, 0);
  const best = candidates.reduce<LabelScore | undefined>((found, score) => (found && found.probability >= score.probability ? found : score), undefined);
  if (!best || mass < rules.minConfidence) {
    const top = scores[0] as LabelScore; // decide() only calls this with at least one score
    return { label: top.label, confidence: top.probability, mismatch: true };
  }
  return { label: best.label, confidence: best.probability / mass, mismatch: false };
}

/**
 * Model labels -> kiosk labels, so any image classifier can drive the kiosk:
 * a stock ImageNet-1k model says "carton" or "envelope", the routes table in
 * device-config speaks of "cardboard" and "paper".
 *
 *   model probabilities (one per model label) ──sum per kiosk label──► kiosk scores, most probable first
 *
 * Many model labels may map to one kiosk label; every unmapped model label
 * folds into `otherLabel`, so probability is never lost and the scores still
 * sum to one. Without a label map the model's labels are the kiosk's labels.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ErrorCode, KioskError } from '../ops/errors.js';
import type { LabelScore } from './classifier.js';

export const LABEL_MAP_VERSION = 1;

const label = z.string().min(1).max(200);

export const LabelMap = z
  .object({
    $schema: z.string().optional(),
    labelMapVersion: z.literal(LABEL_MAP_VERSION),
    description: z.string().max(2000).optional(),
    labels: z
      .record(label, label)
      .refine((labels) => Object.keys(labels).length > 0, 'map at least one label')
      .describe('model label (exactly as in the manifest) -> kiosk label; several model labels may share one kiosk label'),
    otherLabel: label.default('other').describe('kiosk label that every unmapped model label folds into'),
  })
  .strict()
  .describe('label map, version 1: from a model\'s labels to the kiosk\'s');

export type LabelMap = z.infer<typeof LabelMap>;

export async function readLabelMap(path: string): Promise<LabelMap> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new KioskError(ErrorCode.LabelMapInvalid, `cannot read the label map ${path} as JSON`, { path }, { cause: error });
  }
  const parsed = LabelMap.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new KioskError(ErrorCode.LabelMapInvalid, `the label map ${path} is invalid: ${problems.join('; ')}`, { path, problems });
  }
  return parsed.data;
}

/** Folds model probabilities into kiosk scores. Built once per model; fold() runs per frame. */
export class LabelFolding {
  /** Kiosk labels, in the order sums are kept. */
  readonly kioskLabels: readonly string[];
  /** The kiosk label meaning "nothing in the chamber", when the model has one. */
  readonly emptyLabel: string | undefined;
  /** kiosk label index of each model output. */
  private readonly target: Int32Array;
  private readonly sums: Float64Array;

  constructor(modelLabels: readonly string[], map?: LabelMap, modelEmptyLabel?: string) {
    if (!map) {
      this.kioskLabels = [...modelLabels];
      this.target = Int32Array.from(modelLabels, (_, index) => index);
      this.emptyLabel = modelEmptyLabel;
    } else {
      const unknown = Object.keys(map.labels).filter((modelLabel) => !modelLabels.includes(modelLabel));
      if (unknown.length > 0) {
        // A mapping that can never fire is a typo; refuse it rather than route by a table that silently does less.
        throw new KioskError(ErrorCode.LabelMapInvalid, `the label map names labels the model does not have: ${unknown.map((l) => `"${l}"`).join(', ')}`, {
          unknown,
        });
      }
      if (modelEmptyLabel !== undefined && map.labels[modelEmptyLabel] === undefined) {
        throw new KioskError(ErrorCode.LabelMapInvalid, `the label map must map the model's empty label "${modelEmptyLabel}"`, { modelEmptyLabel });
      }
      const kioskLabels = [...new Set([...Object.values(map.labels), map.otherLabel])];
      this.kioskLabels = kioskLabels;
      this.target = Int32Array.from(modelLabels, (modelLabel) => kioskLabels.indexOf(map.labels[modelLabel] ?? map.otherLabel));
      this.emptyLabel = modelEmptyLabel === undefined ? undefined : map.labels[modelEmptyLabel];
    }
    this.sums = new Float64Array(this.kioskLabels.length);
  }

  /** Kiosk scores for one frame, most probable first (ties keep label order). */
  fold(probabilities: ArrayLike<number>): LabelScore[] {
    if (probabilities.length !== this.target.length) {
      throw new Error(`label folding: ${probabilities.length} probabilities for ${this.target.length} model labels`);
    }
    this.sums.fill(0);
    for (let index = 0; index < probabilities.length; index += 1) {
      // In range by construction; `!` only satisfies noUncheckedIndexedAccess.
      this.sums[this.target[index]!]! += probabilities[index]!;
    }
    // Rounding can push a sum of many float probabilities a hair past 1; events require 0..1.
    const scores = this.kioskLabels.map((label, index) => ({ label, probability: Math.min(1, this.sums[index]!) }));
    return scores.sort((a, b) => b.probability - a.probability);
  }
}

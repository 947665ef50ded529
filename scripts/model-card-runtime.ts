/**
 * The "Measured through the runtime" section of a MODEL_CARD.md, written by
 * `eval:vision --write-card` from its own measurement (the TypeScript path:
 * sharp + onnxruntime-node). The trainer writes the section with _TBD_
 * placeholders; this replaces it, so a retrain ends with a complete card.
 */
import type { ConfusionMatrix } from '../src/vision/confusion-matrix.js';

export const RUNTIME_SECTION_HEADING = '## Measured through the runtime';

export interface RuntimeMeasurement {
  /** The eval command as run, for the reader to repeat it. */
  command: string;
  /** YYYY-MM-DD. */
  date: string;
  onnxruntimeVersion: string;
  photos: number;
  emptyImages: number;
  matrix: ConfusionMatrix;
  /** The manifest's training.validationAccuracy, when it has one. */
  trainerAccuracy: number | undefined;
  threshold: number;
  decidedFraction: number;
  decidedAccuracy: number;
  meanPreprocessMs: number;
  meanInferenceMs: number;
}

/** The kiosk's default deposit.minConfidence (src/ops/config). */
const KIOSK_DEFAULT_MIN_CONFIDENCE = 0.6;

/** The section, heading included, ending with a blank line. */
export function renderRuntimeSection(m: RuntimeMeasurement): string {
  const accuracy = m.matrix.accuracy();
  const labels = m.matrix.labels;
  const threshold =
    m.threshold === KIOSK_DEFAULT_MIN_CONFIDENCE ? `the kiosk's default \`minConfidence\` ${m.threshold}` : `\`minConfidence\` ${m.threshold}`;
  const lines = [
    RUNTIME_SECTION_HEADING,
    '',
    `Measured on ${m.date} with \`${m.command}\``,
    `(the kiosk's own sharp preprocessing and onnxruntime-node ${m.onnxruntimeVersion}, ${m.photos} held-out photos` +
      `${m.emptyImages > 0 ? ` plus ${m.emptyImages} \`empty-validation/\` images` : ''}; written by \`eval:vision --write-card\`).`,
    '',
    `- Accuracy (TS path): **${percent(accuracy)}** of ${m.matrix.size}${trainerComparison(accuracy, m.trainerAccuracy)}.`,
    `- At ${threshold}: ${percent(m.decidedFraction)} of items get a decision, and ${percent(m.decidedAccuracy)} of those decisions are right; the rest are refused with \`low-confidence\`.`,
    `- Mean preprocessing ${m.meanPreprocessMs.toFixed(2)} ms and inference ${m.meanInferenceMs.toFixed(2)} ms per image (one thread); \`npm run bench:vision\` times 1280×720 frames.`,
    '',
    '| label | precision | recall | support |',
    '| --- | --- | --- | --- |',
    ...m.matrix.metrics().map((row) => `| ${row.label} | ${percent(row.precision)} | ${percent(row.recall)} | ${row.support} |`),
    '',
    'Confusion matrix (rows: true label, columns: predicted):',
    '',
    `| | ${labels.join(' | ')} |`,
    `| --- |${' --- |'.repeat(labels.length)}`,
    ...labels.map((actual) => `| ${actual} | ${labels.map((predicted) => m.matrix.count(actual, predicted)).join(' | ')} |`),
    '',
    'The validation split also chose the best epoch, so these figures are slightly optimistic.',
    '',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The card with its runtime section replaced by `section` (from its heading to
 * the next `## ` heading). A card without one gets it before "## Known limits",
 * else at the end.
 */
export function replaceRuntimeSection(card: string, section: string): string {
  const start = card.indexOf(`${RUNTIME_SECTION_HEADING}\n`);
  if (start >= 0) {
    const next = card.indexOf('\n## ', start + RUNTIME_SECTION_HEADING.length);
    return card.slice(0, start) + section + (next >= 0 ? card.slice(next + 1) : '');
  }
  const limits = card.indexOf('## Known limits');
  if (limits >= 0) return card.slice(0, limits) + section + card.slice(limits);
  return `${card.endsWith('\n') ? card : `${card}\n`}\n${section}`;
}

function trainerComparison(accuracy: number, trainer: number | undefined): string {
  if (trainer === undefined) return '';
  const points = (accuracy - trainer) * 100;
  const signed = points < 0 ? `−${Math.abs(points).toFixed(1)}` : `+${points.toFixed(1)}`;
  return ` (the trainer reported ${percent(trainer)}: ${signed} points through this path)`;
}

/** As the cards write it: "83.4 %". */
function percent(value: number): string {
  return Number.isNaN(value) ? '—' : `${(value * 100).toFixed(1)} %`;
}

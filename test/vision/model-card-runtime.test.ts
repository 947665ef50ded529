import { describe, expect, it } from 'vitest';
import { renderRuntimeSection, replaceRuntimeSection, type RuntimeMeasurement } from '../../scripts/model-card-runtime.js';
import { ConfusionMatrix } from '../../src/vision/confusion-matrix.js';

/** The card as scripts/train/model_card.py writes it: the runtime section still to be measured. */
const trainerCard = [
  '# Model card: site-a-v1',
  '',
  '## Validation results (trainer, PyTorch)',
  '',
  'Validation accuracy **75.0%** on 4 images.',
  '',
  '## Measured through the runtime',
  '',
  '<!-- Filled in by the lead from the TypeScript eval script (src/vision, sharp + onnxruntime-node) on the same validation-split.json and empty-validation/ images. -->',
  '',
  '- Accuracy (TS path): _TBD_',
  '- Per-class precision/recall (TS path): _TBD_',
  '- Agreement with the trainer\'s predictions / preprocessing skew: _TBD_',
  '- Inference latency per image (onnxruntime-node, 1 thread): _TBD_',
  '',
  '## Known limits',
  '',
  '- **Domain gap**: studio photos.',
  '',
].join('\n');

function measurement(): RuntimeMeasurement {
  const matrix = new ConfusionMatrix(['carton', 'bag', 'empty']);
  matrix.add('carton', 'carton');
  matrix.add('carton', 'bag');
  matrix.add('bag', 'bag');
  matrix.add('empty', 'empty');
  return {
    command: 'npm run eval:vision -- --model models/site-a-v1 --data /srv/photos --split models/site-a-v1/validation-split.json',
    date: '2026-12-01',
    onnxruntimeVersion: '1.30.0',
    photos: 3,
    emptyImages: 1,
    matrix,
    trainerAccuracy: 0.8,
    threshold: 0.6,
    decidedFraction: 0.75,
    decidedAccuracy: 1,
    meanPreprocessMs: 1.234,
    meanInferenceMs: 0.5,
  };
}

describe('the model card\'s "Measured through the runtime" section', () => {
  it('replaces the trainer\'s _TBD_ placeholders with the measured figures and keeps the rest of the card', () => {
    const card = replaceRuntimeSection(trainerCard, renderRuntimeSection(measurement()));
    expect(card).not.toContain('_TBD_');
    expect(card.startsWith(trainerCard.slice(0, trainerCard.indexOf('## Measured')))).toBe(true);
    expect(card.endsWith('## Known limits\n\n- **Domain gap**: studio photos.\n')).toBe(true);
    expect(card).toContain('with `npm run eval:vision -- --model models/site-a-v1 --data /srv/photos --split models/site-a-v1/validation-split.json`');
    expect(card).toContain('onnxruntime-node 1.30.0, 3 held-out photos plus 1 `empty-validation/` images');
    // 3 of 4 right; the trainer said 80 %: 5 points lower through the TypeScript path.
    expect(card).toContain('- Accuracy (TS path): **75.0 %** of 4 (the trainer reported 80.0 %: −5.0 points through this path).');
    expect(card).toContain("- At the kiosk's default `minConfidence` 0.6: 75.0 % of items get a decision, and 100.0 % of those decisions are right");
    expect(card).toContain('- Mean preprocessing 1.23 ms and inference 0.50 ms per image');
    expect(card).toContain('| carton | 100.0 % | 50.0 % | 2 |');
    expect(card).toContain('| bag | 50.0 % | 100.0 % | 1 |');
    expect(card).toContain('| | carton | bag | empty |\n| --- | --- | --- | --- |\n| carton | 1 | 1 | 0 |\n| bag | 0 | 1 | 0 |\n| empty | 0 | 0 | 1 |');
    expect(card.match(/## Measured through the runtime/g)).toHaveLength(1);
  });

  it('gives the same card when run again, so re-measuring only updates the figures', () => {
    const section = renderRuntimeSection(measurement());
    const once = replaceRuntimeSection(trainerCard, section);
    expect(replaceRuntimeSection(once, section)).toBe(once);
  });

  it('adds the section before "## Known limits" to a card that has none, or at the end', () => {
    const section = renderRuntimeSection({ ...measurement(), trainerAccuracy: undefined, threshold: 0.7, emptyImages: 0 });
    const withoutSection = '# Model card: x\n\n## Known limits\n\n- few photos\n';
    const card = replaceRuntimeSection(withoutSection, section);
    expect(card).toBe(`# Model card: x\n\n${section}## Known limits\n\n- few photos\n`);
    expect(section).toContain('- Accuracy (TS path): **75.0 %** of 4.');
    expect(section).toContain('- At `minConfidence` 0.7:');
    expect(section).toContain('3 held-out photos;');
    expect(replaceRuntimeSection('# Model card: x\n', section)).toBe(`# Model card: x\n\n${section}`);
  });
});

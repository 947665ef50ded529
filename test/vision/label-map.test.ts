import { writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, isKioskError } from '../../src/ops/errors.js';
import { LabelFolding, LabelMap, readLabelMap } from '../../src/vision/label-map.js';
import { loadPublishedSchemas } from '../support/schemas.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

const modelLabels = ['carton', 'envelope', 'packet', 'plastic bag', 'running shoe', 'jersey'];

function map(labels: Record<string, string>, otherLabel?: string): LabelMap {
  return LabelMap.parse({ labelMapVersion: 1, labels, ...(otherLabel ? { otherLabel } : {}) });
}

describe('LabelFolding', () => {
  it('without a map reports the model labels, most probable first', () => {
    const folding = new LabelFolding(['cardboard', 'paper', 'empty'], undefined, 'empty');
    expect(folding.fold([0.2, 0.7, 0.1])).toEqual([
      { label: 'paper', probability: 0.7 },
      { label: 'cardboard', probability: 0.2 },
      { label: 'empty', probability: 0.1 },
    ]);
    expect(folding.emptyLabel).toBe('empty');
  });

  it('sums the probabilities of model labels that map to one kiosk label and folds the rest into "other"', () => {
    const folding = new LabelFolding(modelLabels, map({ carton: 'cardboard', envelope: 'paper', packet: 'paper', 'plastic bag': 'plastic' }));
    expect(folding.kioskLabels).toEqual(['cardboard', 'paper', 'plastic', 'other']);
    const scores = folding.fold([0.1, 0.3, 0.25, 0.05, 0.2, 0.1]);
    expect(scores.map((score) => score.label)).toEqual(['paper', 'other', 'cardboard', 'plastic']);
    expect(scores[0]?.probability).toBeCloseTo(0.55, 12);
    expect(scores[1]?.probability).toBeCloseTo(0.3, 12);
    expect(scores.reduce((sum, score) => sum + score.probability, 0)).toBeCloseTo(1, 12);
    expect(folding.emptyLabel).toBeUndefined();
  });

  it('uses the map\'s own name for the rest', () => {
    const folding = new LabelFolding(modelLabels, map({ carton: 'cardboard' }, 'not-packaging'));
    expect(folding.fold([0.4, 0.2, 0.1, 0.1, 0.1, 0.1])[0]).toEqual({ label: 'not-packaging', probability: expect.closeTo(0.6, 12) as number });
  });

  it('carries the model\'s empty label through the map', () => {
    const folding = new LabelFolding(['box', 'nothing'], map({ box: 'cardboard', nothing: 'empty' }), 'nothing');
    expect(folding.emptyLabel).toBe('empty');
  });

  it('refuses a map that names labels the model does not have (E206): a typo would silently route less', () => {
    const error = (() => {
      try {
        return new LabelFolding(modelLabels, map({ carton: 'cardboard', 'plastik bag': 'plastic' }));
      } catch (caught) {
        return caught;
      }
    })();
    expect(isKioskError(error, ErrorCode.LabelMapInvalid) && error.context.unknown).toEqual(['plastik bag']);
  });

  it('refuses a map that leaves the model\'s empty label to "other" (E206)', () => {
    expect(() => new LabelFolding(['box', 'nothing'], map({ box: 'cardboard' }), 'nothing')).toThrow(/empty label/);
  });

  it('refuses output of the wrong length', () => {
    expect(() => new LabelFolding(modelLabels).fold([1])).toThrow(/6 model labels/);
  });
});

describe('readLabelMap', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = makeTempDir('kiosk-label-map-');
  });
  afterEach(() => dir.remove());

  it('reads a version-1 map, filling the default "other" label; the published JSON schema agrees', async () => {
    const document = { labelMapVersion: 1, description: 'ImageNet-1k to kiosk labels', labels: { carton: 'cardboard', envelope: 'paper' } };
    await writeFile(dir.file('map.json'), JSON.stringify(document));
    expect(await readLabelMap(dir.file('map.json'))).toEqual({ ...document, otherLabel: 'other' });
    const validate = loadPublishedSchemas()('label-map.schema.json');
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...document, labelMapVersion: 2 })).toBe(false);
  });

  it.each([
    ['a missing file', null],
    ['bytes that are not JSON', '{"labelMapVersion": 1'],
    ['another version', JSON.stringify({ labelMapVersion: 2, labels: { a: 'b' } })],
    ['no labels', JSON.stringify({ labelMapVersion: 1, labels: {} })],
    ['an unknown field', JSON.stringify({ labelMapVersion: 1, labels: { a: 'b' }, extra: 1 })],
  ])('refuses %s (E206)', async (_name, content) => {
    if (content !== null) await writeFile(dir.file('map.json'), content);
    const error = await readLabelMap(dir.file('map.json')).catch((caught: unknown) => caught);
    expect(isKioskError(error, ErrorCode.LabelMapInvalid)).toBe(true);
  });
});

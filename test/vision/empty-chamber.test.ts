import { writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, isKioskError } from '../../src/ops/errors.js';
import { chamberDifference, judgeChamber, LIGHTING_DRIFT, loadChamberReference, Thumbnailer } from '../../src/vision/empty-chamber.js';
import { Preprocessor } from '../../src/vision/preprocess.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { frameWithBox, solidJpeg } from './support/images.js';
import type { Rgb } from './support/tiny-models.js';

function packed(width: number, height: number, colourAt: (x: number, y: number) => readonly [number, number, number]): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y += 1) for (let x = 0; x < width; x += 1) rgb.set(colourAt(x, y), (y * width + x) * 3);
  return rgb;
}

describe('Thumbnailer', () => {
  it('box-averages each channel into the grid, as planes R, G, B, 0..1', () => {
    // 4x2 pixels into 2x1 cells: the left cell is black and white (mean 0.5 in each channel), the right one pure red.
    const rgb = packed(4, 2, (x, y) => (x < 2 ? ((x + y) % 2 === 0 ? [0, 0, 0] : [255, 255, 255]) : [255, 0, 0]));
    const thumbnailer = new Thumbnailer({ width: 4, height: 2 }, { width: 2, height: 1 });
    expect([...thumbnailer.compute(rgb, thumbnailer.allocate())]).toEqual([0.5, 1, 0.5, 0, 0.5, 0]);
  });

  it('never asks for more cells than there are pixels', () => {
    expect(new Thumbnailer({ width: 8, height: 6 }).size).toEqual({ width: 8, height: 6 });
    expect(new Thumbnailer({ width: 128, height: 96 }).size).toEqual({ width: 32, height: 24 });
  });

  it('refuses a picture of another size', () => {
    const thumbnailer = new Thumbnailer({ width: 4, height: 2 });
    expect(() => thumbnailer.compute(new Uint8Array(5), thumbnailer.allocate())).toThrow(/4x2/);
  });
});

describe('chamberDifference', () => {
  /** One-channel thumbnails keep the numbers readable; the kiosk's have three. */
  const of = (frame: number[], reference: number[], channels = 1): number =>
    chamberDifference(Float32Array.from(frame), Float32Array.from(reference), new Float32Array(frame.length), channels);

  it('is 0 for identical thumbnails', () => {
    expect(of([0.2, 0.4, 0.6], [0.2, 0.4, 0.6])).toBe(0);
  });

  it('is the largest change of one cell, however small the changed area', () => {
    expect(of([0.5, 0.5, 0.5, 0.5, 0.9], [0.5, 0.5, 0.5, 0.5, 0.5])).toBeCloseTo(0.4, 6);
    expect(of([0.5, 0.1, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5, 0.5])).toBeCloseTo(0.4, 6);
  });

  it('sees a change in one channel that leaves the others alone', () => {
    // Two cells, three channels (planes R, G, B): only the blue of the second cell changes.
    expect(of([0.4, 0.4, 0.3, 0.3, 0.2, 0.6], [0.4, 0.4, 0.3, 0.3, 0.2, 0.2], 3)).toBeCloseTo(0.4 - LIGHTING_DRIFT, 6);
  });

  it('discounts a change the whole picture shares, up to the lighting drift', () => {
    expect(of([0.55, 0.45, 0.75], [0.5, 0.4, 0.7])).toBeCloseTo(0, 6);
    expect(of([0.55, 0.45, 0.95], [0.5, 0.4, 0.7])).toBeCloseTo(0.2, 6);
  });

  it('counts a shared change beyond the drift: an item filling the whole chamber', () => {
    expect(of([0.9, 0.8, 0.9], [0.5, 0.4, 0.5])).toBeCloseTo(0.4 - LIGHTING_DRIFT, 6);
  });

  it('refuses thumbnails of different sizes', () => {
    expect(() => of([0.1], [0.1, 0.2])).toThrow(/sizes/);
  });
});

describe('judgeChamber', () => {
  it.each([
    ['the image looks empty and the scale is empty', true, 0, 'empty'],
    ['the image looks empty and the scale gave nothing', true, null, 'empty'],
    ['the image looks empty and the weight is under an item\'s', true, 4.9, 'empty'],
    ['the image looks empty but the scale holds an item', true, 5, 'item-not-visible'],
    ['the image shows something, scale empty', false, 0, 'occupied'],
    ['the image shows something, scale holds an item', false, 300, 'occupied'],
  ] as const)('%s -> %s', (_name, imageLooksEmpty, weightGrams, verdict) => {
    expect(judgeChamber({ imageLooksEmpty, weightGrams, minItemGrams: 5 })).toBe(verdict);
  });
});

describe('loadChamberReference', () => {
  const chamberGrey: Rgb = [180, 175, 165];
  const preprocessor = new Preprocessor(
    { name: 'input', layout: 'NCHW', width: 64, height: 48, channels: 3, colorOrder: 'RGB', resize: 'fill' },
    { scale: 255, mean: [0, 0, 0], std: [1, 1, 1] },
  );
  const decode = (image: Buffer): Promise<Uint8Array> => preprocessor.decode(image);
  let dir: TempDir;

  beforeEach(() => {
    dir = makeTempDir('kiosk-reference-');
  });
  afterEach(() => dir.remove());

  const box = (area: number, colour: Rgb) => ({ left: 0.3, top: 0.3, width: Math.sqrt(area), height: Math.sqrt(area), colour });

  it.each([
    ['another capture of the empty chamber', chamberGrey, box(0, [0, 0, 0]), 'empty'],
    ['the empty chamber 5 % brighter (exposure drift)', [189, 184, 173], box(0, [0, 0, 0]), 'empty'],
    ['a small dark parcel (2 % of the chamber)', chamberGrey, box(0.02, [90, 60, 35]), 'item'],
    ['a white envelope on the light floor (10 %)', chamberGrey, box(0.1, [235, 235, 230]), 'item'],
    ['a blue bag as bright as the floor', chamberGrey, box(0.1, [120, 170, 255]), 'item'],
    ['a plain carton filling the whole chamber', chamberGrey, { left: 0, top: 0, width: 1, height: 1, colour: [150, 110, 70] as Rgb }, 'item'],
  ] as const)('%s looks %s', async (_name, background, item, looks) => {
    await writeFile(dir.file('reference.jpg'), await solidJpeg(1280, 720, chamberGrey));
    const reference = await loadChamberReference(dir.file('reference.jpg'), decode, preprocessor.size, 0.1);
    if (!reference) throw new Error('reference expected');
    const difference = reference.difference(await decode(await frameWithBox(1280, 720, background, item)));
    expect(difference <= reference.maxDifference ? 'empty' : 'item').toBe(looks);
  });

  it('is null while no reference has been calibrated', async () => {
    expect(await loadChamberReference(dir.file('missing.jpg'), decode, preprocessor.size, 0.1)).toBeNull();
  });

  it('refuses a reference file that is no image (E207) rather than switching detection off silently', async () => {
    await writeFile(dir.file('reference.jpg'), 'garbage');
    const error = await loadChamberReference(dir.file('reference.jpg'), decode, preprocessor.size, 0.1).catch((caught: unknown) => caught);
    expect(isKioskError(error, ErrorCode.ChamberReferenceInvalid)).toBe(true);
  });
});

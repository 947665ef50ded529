import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isKioskError } from '../../src/ops/errors.js';
import type { ModelInputSpec, Normalization } from '../../src/vision/model-manifest.js';
import { planCrop, Preprocessor } from '../../src/vision/preprocess.js';
import { frameWithBox, pixelsPng, solid, solidJpeg } from './support/images.js';
import type { Rgb } from './support/tiny-models.js';

const imagenet: Normalization = { scale: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

function input(overrides: Partial<ModelInputSpec> = {}): ModelInputSpec {
  return { name: 'input', layout: 'NCHW', width: 4, height: 2, channels: 3, colorOrder: 'RGB', resize: 'fill', ...overrides };
}

/** What the contract says tensor channel c holds for byte value v, rounded to float32 as the tensor stores it. */
function expected(value: number, channel: 0 | 1 | 2, normalization = imagenet): number {
  return Math.fround((value / normalization.scale - normalization.mean[channel]) / normalization.std[channel]);
}

/** A 4x2 picture with a different colour in every pixel. */
const colourAt = (x: number, y: number): Rgb => [10 + x * 40 + y * 5, 200 - x * 30, 17 * (x + 1) + 100 * y];

describe('Preprocessor', () => {
  it('normalises every value exactly as the contract says: ((v / scale) - mean) / std', async () => {
    const preprocessor = new Preprocessor(input({ width: 3, height: 2 }), imagenet);
    const { tensor } = await preprocessor.prepare(await solid(30, 20, [200, 100, 50]).png().toBuffer());
    expect(tensor).toHaveLength(3 * 2 * 3);
    expect([...tensor.subarray(0, 6)]).toEqual(Array(6).fill(expected(200, 0)));
    expect([...tensor.subarray(6, 12)]).toEqual(Array(6).fill(expected(100, 1)));
    expect([...tensor.subarray(12, 18)]).toEqual(Array(6).fill(expected(50, 2)));
  });

  it('honours another scale, mean and std', async () => {
    const custom: Normalization = { scale: 1, mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] };
    const preprocessor = new Preprocessor(input({ width: 1, height: 1 }), custom);
    const { tensor } = await preprocessor.prepare(await solid(2, 2, [255, 0, 127]).png().toBuffer());
    expect([...tensor]).toEqual([1, -1, Math.fround(-0.5 / 127.5)]);
  });

  it('writes NCHW: all of channel 0, then channel 1, then channel 2, each row by row', async () => {
    const preprocessor = new Preprocessor(input({ layout: 'NCHW' }), imagenet);
    const { tensor } = await preprocessor.prepare(await pixelsPng(4, 2, colourAt));
    for (let y = 0; y < 2; y += 1) {
      for (let x = 0; x < 4; x += 1) {
        const [r, g, b] = colourAt(x, y);
        const pixel = y * 4 + x;
        expect([tensor[pixel], tensor[8 + pixel], tensor[16 + pixel]]).toEqual([expected(r, 0), expected(g, 1), expected(b, 2)]);
      }
    }
  });

  it('writes NHWC: the three channels of each pixel side by side', async () => {
    const preprocessor = new Preprocessor(input({ layout: 'NHWC' }), imagenet);
    const { tensor } = await preprocessor.prepare(await pixelsPng(4, 2, colourAt));
    for (let y = 0; y < 2; y += 1) {
      for (let x = 0; x < 4; x += 1) {
        const [r, g, b] = colourAt(x, y);
        const at = (y * 4 + x) * 3;
        expect([...tensor.subarray(at, at + 3)]).toEqual([expected(r, 0), expected(g, 1), expected(b, 2)]);
      }
    }
  });

  it('puts blue first for a BGR model, normalised with the BGR-ordered mean and std', async () => {
    const bgr: Normalization = { scale: 255, mean: [0.1, 0.2, 0.3], std: [0.5, 0.6, 0.7] };
    const preprocessor = new Preprocessor(input({ width: 1, height: 1, colorOrder: 'BGR' }), bgr);
    const { tensor } = await preprocessor.prepare(await solid(1, 1, [255, 128, 0]).png().toBuffer());
    expect([...tensor]).toEqual([expected(0, 0, bgr), expected(128, 1, bgr), expected(255, 2, bgr)]);
  });

  it('reuses one tensor buffer for every frame', async () => {
    const preprocessor = new Preprocessor(input(), imagenet);
    const first = await preprocessor.prepare(await solid(8, 4, [0, 0, 0]).png().toBuffer());
    const second = await preprocessor.prepare(await solid(8, 4, [255, 255, 255]).png().toBuffer());
    expect(second.tensor).toBe(first.tensor);
    expect(second.tensor).toBe(preprocessor.tensor);
    expect(second.tensor[0]).toBe(expected(255, 0));
  });

  it.each([
    ['top-left', { left: 0, top: 0, width: 0.5, height: 0.5 }, [255, 0, 0]],
    ['top-right', { left: 0.5, top: 0, width: 0.5, height: 0.5 }, [0, 255, 0]],
    ['bottom-left', { left: 0, top: 0.5, width: 0.5, height: 0.5 }, [0, 0, 255]],
    ['bottom-right', { left: 0.5, top: 0.5, width: 0.5, height: 0.5 }, [255, 255, 0]],
  ] as const)('crops the chamber region (%s quadrant) before it reaches the model', async (_name, crop, colour) => {
    const quadrants = (x: number, y: number): Rgb => {
      if (y < 48) return x < 64 ? [255, 0, 0] : [0, 255, 0];
      return x < 64 ? [0, 0, 255] : [255, 255, 0];
    };
    const preprocessor = new Preprocessor(input({ width: 8, height: 6, layout: 'NHWC' }), imagenet, crop);
    const rgb = await preprocessor.decode(await pixelsPng(128, 96, quadrants));
    // The centre of the crop lies far from the quadrant borders: exactly the quadrant's colour.
    const centre = (3 * 8 + 4) * 3;
    expect([...rgb.subarray(centre, centre + 3)]).toEqual([...colour]);
  });

  it('crops a 1280x720 JPEG (decoded with shrink-on-load) to the chamber', async () => {
    const frame = await frameWithBox(1280, 720, [240, 240, 240], { left: 0.25, top: 0.25, width: 0.5, height: 0.5, colour: [150, 100, 60] });
    const whole = new Preprocessor(input({ width: 32, height: 24 }), imagenet);
    const chamber = new Preprocessor(input({ width: 32, height: 24 }), imagenet, { left: 0.25, top: 0.25, width: 0.5, height: 0.5 });
    const corner = await whole.decode(frame);
    const inside = await chamber.decode(frame);
    expect(Math.abs((corner[0] ?? 0) - 240)).toBeLessThanOrEqual(3);
    // Away from the crop's border (where resampling blends in the background), the chamber is all box.
    for (const [x, y] of [[3, 3], [16, 12], [28, 20]] as const) {
      const at = (y * 32 + x) * 3;
      expect(Math.abs((inside[at] ?? 0) - 150)).toBeLessThanOrEqual(4);
      expect(Math.abs((inside[at + 2] ?? 0) - 60)).toBeLessThanOrEqual(4);
    }
  });

  it('resizes "fill" by stretching and "cover" by centre-cropping the longer side', async () => {
    // 200x100: a red left quarter, white middle, a blue right quarter. A square "cover" keeps only the middle half.
    const stripes = (x: number): Rgb => (x < 50 ? [255, 0, 0] : x >= 150 ? [0, 0, 255] : [255, 255, 255]);
    const picture = await pixelsPng(200, 100, stripes);
    const square = input({ width: 20, height: 20, layout: 'NHWC' });
    const cover = await new Preprocessor({ ...square, resize: 'cover' }, imagenet).decode(picture);
    const fill = await new Preprocessor({ ...square, resize: 'fill' }, imagenet).decode(picture);
    const green = (rgb: Uint8Array, x: number, y: number): number => rgb[(y * 20 + x) * 3 + 1] ?? -1;
    expect(green(fill, 0, 10)).toBe(0); // "fill" squeezes the whole width in: its left edge is the red stripe
    expect(green(cover, 0, 10)).toBeGreaterThan(100); // "cover" starts near the white middle
    expect(green(cover, 10, 10)).toBe(255);
    expect(green(fill, 10, 10)).toBe(255);
  });

  it('reads a greyscale JPEG and a PNG with alpha as plain RGB', async () => {
    const preprocessor = new Preprocessor(input({ width: 2, height: 2 }), imagenet);
    const grey = await solid(8, 8, [90, 90, 90]).greyscale().png().toBuffer();
    expect([...(await preprocessor.decode(grey))]).toEqual(Array(12).fill(90));
    const withAlpha = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 1 } } }).png().toBuffer();
    expect([...(await preprocessor.decode(withAlpha))]).toEqual([10, 20, 30, 10, 20, 30, 10, 20, 30, 10, 20, 30]);
  });

  it('refuses bytes that are no image with a coded error', async () => {
    const preprocessor = new Preprocessor(input(), imagenet);
    const error = await preprocessor.prepare(Buffer.from('not a jpeg at all')).catch((caught: unknown) => caught);
    expect(isKioskError(error, ErrorCode.FrameUndecodable)).toBe(true);
  });

  it('refuses a truncated JPEG with a coded error', async () => {
    const jpeg = await solidJpeg(320, 240, [10, 20, 30]);
    const preprocessor = new Preprocessor(input(), imagenet);
    const error = await preprocessor.prepare(jpeg.subarray(0, Math.floor(jpeg.length / 2))).catch((caught: unknown) => caught);
    expect(isKioskError(error, ErrorCode.FrameUndecodable)).toBe(true);
  });
});

describe('planCrop', () => {
  it('"fill" resizes the whole frame so the crop lands at the target size, whatever the frame size', () => {
    expect(planCrop({ left: 0.25, top: 0.5, width: 0.5, height: 0.5 }, { width: 128, height: 96 }, 'fill')).toEqual({
      resizeWidth: 256,
      resizeHeight: 192,
      left: 64,
      top: 96,
    });
  });

  it('"cover" scales the crop region to cover the target and centres it', () => {
    // Region 640x360 of a 1280x720 frame covers 128x96 at scale 96/360: it becomes 170.7x96, 21.3 px trimmed each side.
    const plan = planCrop({ left: 0.25, top: 0.25, width: 0.5, height: 0.5 }, { width: 128, height: 96 }, 'cover', { width: 1280, height: 720 });
    expect(plan).toEqual({ resizeWidth: 341, resizeHeight: 192, left: 107, top: 48 });
  });

  it('never plans an extract outside the resized frame', () => {
    const plan = planCrop({ left: 0.999, top: 0.999, width: 0.001, height: 0.001 }, { width: 10, height: 10 }, 'fill');
    expect(plan.left + 10).toBeLessThanOrEqual(plan.resizeWidth);
    expect(plan.top + 10).toBeLessThanOrEqual(plan.resizeHeight);
  });
});

/**
 * Synthetic test pictures, made with sharp. PNG where a test checks exact
 * pixel values (lossless), JPEG where it exercises the camera's format.
 */
import sharp from 'sharp';
import type { Rgb } from './tiny-models.js';

export function solid(width: number, height: number, [r, g, b]: Rgb): sharp.Sharp {
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } });
}

export function solidJpeg(width: number, height: number, colour: Rgb): Promise<Buffer> {
  return solid(width, height, colour).jpeg({ quality: 95 }).toBuffer();
}

/** A lossless picture whose pixel (x, y) is colourAt(x, y). */
export function pixelsPng(width: number, height: number, colourAt: (x: number, y: number) => Rgb): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) raw.set(colourAt(x, y), (y * width + x) * 3);
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** A frame of `background` with a `colour` rectangle (fractions of the frame), as JPEG. */
export function frameWithBox(
  width: number,
  height: number,
  background: Rgb,
  box: { left: number; top: number; width: number; height: number; colour: Rgb },
): Promise<Buffer> {
  const inside = (x: number, y: number): boolean =>
    x >= box.left * width && x < (box.left + box.width) * width && y >= box.top * height && y < (box.top + box.height) * height;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) raw.set(inside(x, y) ? box.colour : background, (y * width + x) * 3);
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
}

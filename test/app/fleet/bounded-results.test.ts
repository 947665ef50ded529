import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { newestLinesWithin } from '../../../src/app/fleet/bounded-lines.js';
import { boundJpeg, SNAPSHOT_MAX_JPEG_BYTES } from '../../../src/app/fleet/snapshot.js';
import { COMMAND_RESULT_MAX_BYTES } from '../../../src/protocol/commands.js';
import { boundedResult, commandResult } from '../../../src/sync/commands/command-result.js';

/** A noisy frame: JPEG cannot compress it, so it is large. */
async function noisyJpeg(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  let seed = 12345;
  for (let index = 0; index < pixels.length; index++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    pixels[index] = seed >> 16;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
}

describe('results bounded below the result limit', () => {
  it('a frame small enough is returned as it came', async () => {
    const jpeg = await noisyJpeg(64, 48);
    expect(await boundJpeg(jpeg)).toMatchObject({ jpeg, width: 64, height: 48, downscaled: false });
  });

  it('a large frame is scaled down, aspect kept, until its base64 fits in one result', async () => {
    const jpeg = await noisyJpeg(1280, 720);
    expect(jpeg.length).toBeGreaterThan(SNAPSHOT_MAX_JPEG_BYTES);
    const bounded = await boundJpeg(jpeg);
    expect(bounded.downscaled).toBe(true);
    expect(bounded.jpeg.length).toBeLessThanOrEqual(SNAPSHOT_MAX_JPEG_BYTES);
    expect(Math.abs(bounded.width / bounded.height - 1280 / 720)).toBeLessThan(0.02);
    const metadata = await sharp(bounded.jpeg).metadata();
    expect({ width: metadata.width, height: metadata.height }).toEqual({ width: bounded.width, height: bounded.height });
    const result = commandResult('kiosk-1', { commandId: 'cmd-00000001', type: 'camera.snapshot', status: 'ok', data: { jpegBase64: bounded.jpeg.toString('base64') } }, new Date());
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThanOrEqual(COMMAND_RESULT_MAX_BYTES);
  });

  it('log lines: the newest that fit, oldest first', () => {
    const lines = ['a'.repeat(10), 'b'.repeat(10), 'c'.repeat(10)];
    expect(newestLinesWithin(lines, 1000)).toEqual({ lines, truncated: false });
    expect(newestLinesWithin(lines, 2 + 2 * 13)).toEqual({ lines: lines.slice(1), truncated: true });
    expect(newestLinesWithin(lines, 5)).toEqual({ lines: [], truncated: true });
  });

  it('a result that would still be too large becomes failed [E413]', () => {
    const result = commandResult('kiosk-1', { commandId: 'cmd-00000001', type: 'logs.pull', status: 'ok', data: { blob: 'x'.repeat(COMMAND_RESULT_MAX_BYTES) } }, new Date());
    expect(boundedResult(result)).toMatchObject({ status: 'failed', data: null, error: { code: 413 } });
  });
});

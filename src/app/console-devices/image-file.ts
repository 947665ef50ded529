import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import type { ImageFileView } from '../../console/device-facade.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';

/** Size and mean luma (Rec. 601, 0..255) of a JPEG, as sharp decodes it. */
export async function describeImage(jpeg: Buffer): Promise<{ width: number; height: number; brightness: number }> {
  try {
    const image = sharp(jpeg);
    const [metadata, stats] = await Promise.all([image.metadata(), image.stats()]);
    const [r, g, b] = stats.channels;
    // A grey frame has one channel; then it is the luma itself.
    const mean = r && g && b ? 0.299 * r.mean + 0.587 * g.mean + 0.114 * b.mean : (r?.mean ?? 0);
    return { width: metadata.width, height: metadata.height, brightness: Math.round(mean * 10) / 10 };
  } catch (error) {
    throw new KioskError(ErrorCode.FrameUndecodable, `the camera frame is not a readable image: ${(error as Error).message}`, {}, { cause: error });
  }
}

/**
 * Writes the file whole or not at all (temp file + rename in the same
 * directory), so a reader such as the classifier never sees half a JPEG.
 * `createDirectory` only for directories the kiosk chose itself: a technician's
 * --out must name an existing directory (and Node 20's recursive mkdir never
 * returns for some paths, e.g. under /proc).
 */
export async function writeImageFile(path: string, jpeg: Buffer, options: { createDirectory: boolean }): Promise<ImageFileView> {
  const described = await describeImage(jpeg);
  const temp = `${path}.${randomUUID()}.tmp`;
  try {
    if (options.createDirectory) await mkdir(dirname(path), { recursive: true });
    await writeFile(temp, jpeg);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new KioskError(ErrorCode.ConsoleDeviceFileFailed, `cannot write ${path}: ${code}`, { path }, { cause: error });
  }
  return { path, bytes: jpeg.length, ...described };
}

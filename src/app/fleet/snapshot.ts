import sharp from 'sharp';
import { COMMAND_RESULT_MAX_BYTES } from '../../protocol/commands.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';

/** Room the result's other fields take beside the base64 image. */
const RESULT_OVERHEAD_BYTES = 4096;

/** The largest JPEG whose base64 still fits in one command result. */
export const SNAPSHOT_MAX_JPEG_BYTES = Math.floor(((COMMAND_RESULT_MAX_BYTES - RESULT_OVERHEAD_BYTES) * 3) / 4);

export interface BoundedJpeg {
  jpeg: Buffer;
  width: number;
  height: number;
  /** The camera's frame was larger than the result allows and was scaled down (and re-encoded). */
  downscaled: boolean;
  originalBytes: number;
}

/**
 * A camera frame that fits in a command result: as it came when small enough,
 * else scaled down with sharp (aspect kept, quality 80) until it fits.
 */
export async function boundJpeg(jpeg: Buffer, maxBytes = SNAPSHOT_MAX_JPEG_BYTES): Promise<BoundedJpeg> {
  let metadata: sharp.Metadata;
  try {
    metadata = await sharp(jpeg).metadata();
  } catch (error) {
    throw new KioskError(ErrorCode.FrameUndecodable, `the camera frame is not a readable image: ${(error as Error).message}`, {}, { cause: error });
  }
  const { width, height } = metadata;
  if (jpeg.length <= maxBytes) return { jpeg, width, height, downscaled: false, originalBytes: jpeg.length };
  let scale = Math.sqrt(maxBytes / jpeg.length);
  for (let attempt = 0; attempt < 6; attempt++) {
    const targetWidth = Math.max(16, Math.floor(width * scale));
    const { data, info } = await sharp(jpeg).resize({ width: targetWidth }).jpeg({ quality: 80 }).toBuffer({ resolveWithObject: true });
    if (data.length <= maxBytes) return { jpeg: data, width: info.width, height: info.height, downscaled: true, originalBytes: jpeg.length };
    scale *= Math.sqrt(maxBytes / data.length) * 0.9;
  }
  throw new KioskError(ErrorCode.CommandResultTooLarge, `the snapshot does not fit in ${maxBytes} bytes even scaled down`, { maxBytes });
}

/**
 * Camera frame -> model input tensor, the same way for every frame (and for
 * the eval script, so training/serving skew shows there).
 *
 *   JPEG ──sharp: decode with shrink-on-load, resize (+ crop), sRGB, raw──► packed RGB bytes
 *        ──lookup table per channel──► one Float32Array, reused, in the manifest's layout
 *
 * The chamber crop is done AFTER the resize (resize the whole frame so the
 * chamber lands at the model size, then extract it): sharp only uses JPEG
 * shrink-on-load when nothing is extracted before the resize, and decoding a
 * 1280x720 frame at full size costs several times more than everything else.
 */
import sharp from 'sharp';
import { FULL_FRAME, type ChamberCrop } from '../ops/config/classifier-config.js';
import { ErrorCode, KioskError } from '../ops/errors.js';
import type { ModelInputSpec, Normalization } from './model-manifest.js';

type Fit = ModelInputSpec['resize'];

export interface Size {
  width: number;
  height: number;
}

/** Resize the whole frame to resizeWidth x resizeHeight, then take target-size pixels at (left, top). */
export interface CropPlan {
  resizeWidth: number;
  resizeHeight: number;
  left: number;
  top: number;
}

/**
 * Where the chamber lands: the resize of the whole frame that brings the crop
 * region to the target size ("fill": exactly; "cover": covering it, centred).
 * "fill" needs no source size (fractions scale with any frame); "cover" does.
 */
export function planCrop(crop: ChamberCrop, target: Size, fit: Fit, source?: Size): CropPlan {
  let scaleX: number;
  let scaleY: number;
  let slackX = 0;
  let slackY = 0;
  if (fit === 'fill') {
    scaleX = target.width / crop.width;
    scaleY = target.height / crop.height;
  } else {
    if (!source) throw new Error('planCrop: "cover" needs the source size');
    const scale = Math.max(target.width / (crop.width * source.width), target.height / (crop.height * source.height));
    scaleX = source.width * scale;
    scaleY = source.height * scale;
    slackX = (crop.width * scaleX - target.width) / 2;
    slackY = (crop.height * scaleY - target.height) / 2;
  }
  // Rounding may leave the resized frame a pixel short of the target: never below it.
  const resizeWidth = Math.max(target.width, Math.round(scaleX));
  const resizeHeight = Math.max(target.height, Math.round(scaleY));
  const left = clamp(Math.round(crop.left * resizeWidth + slackX), 0, resizeWidth - target.width);
  const top = clamp(Math.round(crop.top * resizeHeight + slackY), 0, resizeHeight - target.height);
  return { resizeWidth, resizeHeight, left, top };
}

export interface PreparedFrame {
  /** The preprocessor's own tensor buffer: valid until the next prepare(). */
  tensor: Float32Array;
  /** Packed RGB at the model's size, as sharp returned it. */
  rgb: Uint8Array;
}

export class Preprocessor {
  /** Allocated once; every prepare() overwrites it. */
  readonly tensor: Float32Array;
  /** ((v / scale) - mean[c]) / std[c] for every byte value v and tensor channel c: 3 x 256 entries. */
  private readonly table = new Float32Array(3 * 256);
  /** Which byte of a packed RGB pixel feeds tensor channel 0, 1, 2. */
  private readonly sourceChannel: readonly [number, number, number];
  private readonly fullFrame: boolean;

  constructor(
    private readonly input: ModelInputSpec,
    normalization: Normalization,
    private readonly crop: ChamberCrop = FULL_FRAME,
  ) {
    this.tensor = new Float32Array(input.width * input.height * 3);
    this.sourceChannel = input.colorOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
    for (const channel of [0, 1, 2] as const) {
      const mean = normalization.mean[channel];
      const std = normalization.std[channel];
      for (let value = 0; value < 256; value += 1) {
        this.table[channel * 256 + value] = (value / normalization.scale - mean) / std;
      }
    }
    this.fullFrame = crop.left === 0 && crop.top === 0 && crop.width === 1 && crop.height === 1;
  }

  get size(): Size {
    return { width: this.input.width, height: this.input.height };
  }

  /** Decode, crop and resize to the model's size: packed RGB, width x height x 3 bytes. */
  async decode(image: Buffer): Promise<Uint8Array> {
    const { width, height } = this.input;
    try {
      const pipeline = await this.resizePipeline(image);
      const { data, info } = await pipeline.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
      if (info.width !== width || info.height !== height || info.channels !== 3) {
        throw new Error(`sharp returned ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x3`);
      }
      return data;
    } catch (error) {
      throw new KioskError(ErrorCode.FrameUndecodable, `cannot decode the frame: ${(error as Error).message}`, { bytes: image.length }, { cause: error });
    }
  }

  /** decode(), then normalise into `tensor` in the manifest's layout. */
  async prepare(image: Buffer): Promise<PreparedFrame> {
    const rgb = await this.decode(image);
    this.normalise(rgb);
    return { tensor: this.tensor, rgb };
  }

  private async resizePipeline(image: Buffer): Promise<sharp.Sharp> {
    const { width, height, resize: fit } = this.input;
    // Triangle (bilinear) resampling on both sides of the contract; sharp reduces with an antialiasing kernel.
    const kernel = sharp.kernel.linear;
    if (this.fullFrame) {
      return sharp(image).resize(width, height, { fit, position: 'centre', kernel });
    }
    const source = fit === 'cover' ? await sourceSize(image) : undefined;
    const plan = planCrop(this.crop, { width, height }, fit, source);
    return sharp(image)
      .resize(plan.resizeWidth, plan.resizeHeight, { fit: 'fill', kernel })
      .extract({ left: plan.left, top: plan.top, width, height });
  }

  private normalise(rgb: Uint8Array): void {
    const { tensor, table } = this;
    const plane = this.input.width * this.input.height;
    const [r, g, b] = this.sourceChannel;
    // Indices below are in range by construction (rgb has 3 x plane bytes, table 3 x 256 entries);
    // the non-null assertions only satisfy noUncheckedIndexedAccess in this hot loop.
    if (this.input.layout === 'NCHW') {
      for (let pixel = 0, byte = 0; pixel < plane; pixel += 1, byte += 3) {
        tensor[pixel] = table[rgb[byte + r]!]!;
        tensor[plane + pixel] = table[256 + rgb[byte + g]!]!;
        tensor[2 * plane + pixel] = table[512 + rgb[byte + b]!]!;
      }
    } else {
      for (let pixel = 0, byte = 0; pixel < plane; pixel += 1, byte += 3) {
        tensor[byte] = table[rgb[byte + r]!]!;
        tensor[byte + 1] = table[256 + rgb[byte + g]!]!;
        tensor[byte + 2] = table[512 + rgb[byte + b]!]!;
      }
    }
  }
}

async function sourceSize(image: Buffer): Promise<Size> {
  const { width, height } = await sharp(image).metadata();
  if (!width || !height) throw new Error('the image has no size');
  return { width, height };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

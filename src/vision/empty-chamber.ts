/**
 * Empty-chamber detection: a calibrated picture of the empty chamber plus the
 * scale's weight, so an empty chamber is never classified as an item.
 *
 *   reference JPEG ──same decode as frames (crop, resize)──► colour thumbnail   (once, at start)
 *   frame, decoded for the model ──► colour thumbnail ──largest cell change vs the reference──► difference, 0..1
 *   difference <= maxDifference  => the image looks empty;  judgeChamber() weighs it against the weight
 *
 * The thumbnail is taken from the pixels already decoded for the model, so the
 * check costs no second decode. Averaging into a 32x24 grid evens out sensor
 * noise and JPEG artefacts. The LARGEST change of one cell in one channel is
 * used, not a mean: a mean scales with the item's area, so a small or light
 * item (a white envelope on a light floor) would pass for empty, while any item
 * changes some cell clearly. Channels, not grey: a blue bag on a brown floor
 * can have the floor's brightness. A change the whole picture shares, up to
 * LIGHTING_DRIFT per channel (exposure, white balance, daylight), is discounted
 * first; a bigger shared change is not drift but an item filling the chamber.
 */
import { readFile } from 'node:fs/promises';
import { ErrorCode, KioskError } from '../ops/errors.js';
import type { Size } from './preprocess.js';

export const THUMBNAIL_SIZE: Size = { width: 32, height: 24 };

/** The largest change of a channel over the whole picture (0..1) discounted as lighting rather than an item. */
export const LIGHTING_DRIFT = 0.08;

/**
 * Box-averages packed RGB (source size) into a small grid, channel planes
 * R, G, B one after another, values 0..1. Reuses its buffers.
 */
export class Thumbnailer {
  readonly size: Size;
  readonly cells: number;
  private readonly cellOfColumn: Int32Array;
  private readonly cellOfRow: Int32Array;
  private readonly pixelsPerCell: Float32Array;

  constructor(
    private readonly source: Size,
    wanted: Size = THUMBNAIL_SIZE,
  ) {
    this.size = { width: Math.min(wanted.width, source.width), height: Math.min(wanted.height, source.height) };
    this.cells = this.size.width * this.size.height;
    this.cellOfColumn = Int32Array.from({ length: source.width }, (_, x) => Math.floor((x * this.size.width) / source.width));
    this.cellOfRow = Int32Array.from({ length: source.height }, (_, y) => Math.floor((y * this.size.height) / source.height));
    this.pixelsPerCell = new Float32Array(this.cells);
    for (let y = 0; y < source.height; y += 1) {
      for (let x = 0; x < source.width; x += 1) this.pixelsPerCell[this.cell(x, y)]! += 1;
    }
  }

  allocate(): Float32Array {
    return new Float32Array(this.cells * 3);
  }

  compute(rgb: Uint8Array, into: Float32Array): Float32Array {
    if (rgb.length !== this.source.width * this.source.height * 3) {
      throw new Error(`thumbnail: expected ${this.source.width}x${this.source.height} RGB, got ${rgb.length} bytes`);
    }
    const { cells } = this;
    into.fill(0);
    for (let y = 0, byte = 0; y < this.source.height; y += 1) {
      for (let x = 0; x < this.source.width; x += 1, byte += 3) {
        const cell = this.cell(x, y);
        // In range by construction (see the length check); `!` only satisfies noUncheckedIndexedAccess.
        into[cell]! += rgb[byte]!;
        into[cells + cell]! += rgb[byte + 1]!;
        into[2 * cells + cell]! += rgb[byte + 2]!;
      }
    }
    for (let value = 0; value < into.length; value += 1) into[value] = into[value]! / (255 * this.pixelsPerCell[value % cells]!);
    return into;
  }

  private cell(x: number, y: number): number {
    return this.cellOfRow[y]! * this.size.width + this.cellOfColumn[x]!;
  }
}

/**
 * Largest change of one cell in one channel between two thumbnails (0..1),
 * after discounting, per channel, the median change the whole picture shares
 * (clamped to +-LIGHTING_DRIFT). `scratch` (same length) is overwritten.
 */
export function chamberDifference(frame: Float32Array, reference: Float32Array, scratch: Float32Array, channels = 3): number {
  const cells = frame.length / channels;
  if (frame.length !== reference.length || scratch.length !== frame.length || !Number.isInteger(cells) || cells === 0) {
    throw new Error('chamberDifference: thumbnails of different sizes');
  }
  let largest = 0;
  for (let channel = 0; channel < channels; channel += 1) {
    const plane = scratch.subarray(channel * cells, (channel + 1) * cells);
    for (let cell = 0; cell < cells; cell += 1) plane[cell] = frame[channel * cells + cell]! - reference[channel * cells + cell]!;
    plane.sort();
    const middle = cells >> 1;
    const median = cells % 2 === 1 ? plane[middle]! : (plane[middle - 1]! + plane[middle]!) / 2;
    const drift = Math.min(LIGHTING_DRIFT, Math.max(-LIGHTING_DRIFT, median));
    // After the sort the extremes sit at both ends.
    largest = Math.max(largest, Math.abs(plane[0]! - drift), Math.abs(plane[cells - 1]! - drift));
  }
  return largest;
}

/** The calibrated empty chamber, as a thumbnail, and how far a frame may differ from it and still look empty. */
export class ChamberReference {
  private readonly thumbnail: Float32Array;
  private readonly scratch: Float32Array;

  constructor(
    private readonly thumbnailer: Thumbnailer,
    private readonly reference: Float32Array,
    readonly maxDifference: number,
  ) {
    this.thumbnail = thumbnailer.allocate();
    this.scratch = thumbnailer.allocate();
  }

  /** Difference of a frame (packed RGB at the model size) from the reference, 0..1 (see chamberDifference). */
  difference(rgb: Uint8Array): number {
    return chamberDifference(this.thumbnailer.compute(rgb, this.thumbnail), this.reference, this.scratch);
  }
}

/**
 * Reads the reference JPEG and decodes it exactly as frames are decoded.
 * Null when there is no file yet (not calibrated: the console's `camera reference`
 * writes it); a file that exists but cannot be decoded is an error (E207), so a
 * broken calibration is noticed instead of silently switched off.
 */
export async function loadChamberReference(
  path: string,
  decode: (image: Buffer) => Promise<Uint8Array>,
  modelSize: Size,
  maxDifference: number,
): Promise<ChamberReference | null> {
  let image: Buffer;
  try {
    image = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new KioskError(ErrorCode.ChamberReferenceInvalid, `cannot read the empty-chamber reference ${path}`, { path }, { cause: error });
  }
  let rgb: Uint8Array;
  try {
    rgb = await decode(image);
  } catch (error) {
    throw new KioskError(ErrorCode.ChamberReferenceInvalid, `the empty-chamber reference ${path} is not a readable image`, { path }, { cause: error });
  }
  const thumbnailer = new Thumbnailer(modelSize);
  return new ChamberReference(thumbnailer, thumbnailer.compute(rgb, thumbnailer.allocate()), maxDifference);
}

/** What the chamber holds, judged from the image and the scale together. */
export type ChamberVerdict =
  /** The image shows the empty chamber and the scale holds no item. */
  | 'empty'
  /** The image shows the empty chamber, yet the scale holds an item's weight: image and weight disagree. */
  | 'item-not-visible'
  /** The image shows something: the classifier's labels are what counts. */
  | 'occupied';

export interface ChamberEvidence {
  /** The frame matches the empty reference, or the model's top label is its empty label. */
  imageLooksEmpty: boolean;
  /** Stable weight; null when the scale gave none. */
  weightGrams: number | null;
  /** Weight from which the scale counts an item. */
  minItemGrams: number;
}

export function judgeChamber({ imageLooksEmpty, weightGrams, minItemGrams }: ChamberEvidence): ChamberVerdict {
  if (!imageLooksEmpty) return 'occupied';
  const scaleHoldsItem = weightGrams !== null && weightGrams >= minItemGrams;
  return scaleHoldsItem ? 'item-not-visible' : 'empty';
}

/**
 * Empty-chamber detection: a calibrated picture of the empty chamber plus the
 * scale's weight, so an empty chamber is never classified as an item.
 *
 *   reference JPEG ──same decode as frames (crop, resize)──► grey thumbnail   (once, at start)
 *   frame, decoded for the model ──► grey thumbnail ──mean |frame - reference|──► difference, 0..1
 *   difference <= maxDifference  => the image looks empty;  judgeChamber() weighs it against the weight
 *
 * The thumbnail is taken from the pixels already decoded for the model, so the
 * check costs no second decode. Averaging into a 32x24 grid evens out sensor
 * noise and JPEG artefacts; an item changes whole cells.
 */
import { readFile } from 'node:fs/promises';
import { ErrorCode, KioskError } from '../ops/errors.js';
import type { Size } from './preprocess.js';

export const THUMBNAIL_SIZE: Size = { width: 32, height: 24 };

/** Box-averages packed RGB (source size) into a small grey grid (0..1, Rec. 601 luma). Reuses its buffers. */
export class GreyThumbnailer {
  readonly size: Size;
  private readonly cellOfColumn: Int32Array;
  private readonly cellOfRow: Int32Array;
  private readonly pixelsPerCell: Float32Array;

  constructor(
    private readonly source: Size,
    wanted: Size = THUMBNAIL_SIZE,
  ) {
    this.size = { width: Math.min(wanted.width, source.width), height: Math.min(wanted.height, source.height) };
    this.cellOfColumn = Int32Array.from({ length: source.width }, (_, x) => Math.floor((x * this.size.width) / source.width));
    this.cellOfRow = Int32Array.from({ length: source.height }, (_, y) => Math.floor((y * this.size.height) / source.height));
    this.pixelsPerCell = new Float32Array(this.size.width * this.size.height);
    for (let y = 0; y < source.height; y += 1) {
      for (let x = 0; x < source.width; x += 1) this.pixelsPerCell[this.cell(x, y)]! += 1;
    }
  }

  allocate(): Float32Array {
    return new Float32Array(this.size.width * this.size.height);
  }

  compute(rgb: Uint8Array, into: Float32Array): Float32Array {
    if (rgb.length !== this.source.width * this.source.height * 3) {
      throw new Error(`thumbnail: expected ${this.source.width}x${this.source.height} RGB, got ${rgb.length} bytes`);
    }
    into.fill(0);
    for (let y = 0, byte = 0; y < this.source.height; y += 1) {
      for (let x = 0; x < this.source.width; x += 1, byte += 3) {
        // In range by construction (see the length check); `!` only satisfies noUncheckedIndexedAccess.
        into[this.cell(x, y)]! += 0.299 * rgb[byte]! + 0.587 * rgb[byte + 1]! + 0.114 * rgb[byte + 2]!;
      }
    }
    for (let cell = 0; cell < into.length; cell += 1) into[cell] = into[cell]! / (255 * this.pixelsPerCell[cell]!);
    return into;
  }

  private cell(x: number, y: number): number {
    return this.cellOfRow[y]! * this.size.width + this.cellOfColumn[x]!;
  }
}

/** Mean of |a[i] - b[i]|: 0 for identical thumbnails, 1 for black against white everywhere. */
export function meanAbsoluteDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length || a.length === 0) throw new Error('meanAbsoluteDifference: thumbnails of different sizes');
  let sum = 0;
  for (let index = 0; index < a.length; index += 1) sum += Math.abs(a[index]! - b[index]!);
  return sum / a.length;
}

/** The calibrated empty chamber, as a thumbnail, and how far a frame may differ from it and still look empty. */
export class ChamberReference {
  private readonly scratch: Float32Array;

  constructor(
    private readonly thumbnailer: GreyThumbnailer,
    private readonly reference: Float32Array,
    readonly maxDifference: number,
  ) {
    this.scratch = thumbnailer.allocate();
  }

  /** Difference of a frame (packed RGB at the model size) from the reference, 0..1. */
  difference(rgb: Uint8Array): number {
    return meanAbsoluteDifference(this.thumbnailer.compute(rgb, this.scratch), this.reference);
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
  const thumbnailer = new GreyThumbnailer(modelSize);
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

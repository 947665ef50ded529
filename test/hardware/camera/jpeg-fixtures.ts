/**
 * JPEG-shaped byte strings for the splitter tests: the marker structure of a
 * real baseline JPEG (segments with lengths, SOS, entropy-coded data with FF00
 * stuffing and restart markers, EOI), with a distinguishing id inside.
 * The splitter never decodes pixels, so structure is all that matters.
 */
export function segment(marker: number, payload: Buffer): Buffer {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

export interface JpegShape {
  /** Written into the entropy data, so frames can be told apart. */
  id: number;
  /** An EXIF APP1 segment carrying a whole thumbnail JPEG (its own SOI ... EOI). */
  thumbnail?: boolean;
  /** Restart markers FFD0-FFD7 in the entropy data. */
  restarts?: boolean;
  /** Entropy-coded bytes before stuffing (default 64). */
  entropyBytes?: number;
  /** A second scan after a DHT segment, as in a progressive JPEG. */
  secondScan?: boolean;
}

/** Deterministic bytes, FF stuffed as FF00 as an encoder would. */
function entropyData(seed: number, length: number, restarts: boolean): Buffer {
  const bytes: number[] = [(seed >>> 24) & 0xff, (seed >>> 16) & 0xff, (seed >>> 8) & 0xff, seed & 0xff];
  let state = seed * 2654435761 + 1;
  for (let i = 0; bytes.length < length; i += 1) {
    state = (state * 1103515245 + 12345) >>> 0;
    const byte = i % 5 === 0 ? 0xff : (state >>> 16) & 0xff;
    bytes.push(byte);
    if (byte === 0xff) bytes.push(0x00);
    if (restarts && i % 16 === 15) bytes.push(0xff, 0xd0 + ((i >> 4) % 8));
  }
  // Never end on a lone FF: it would be a marker prefix.
  if (bytes[bytes.length - 1] === 0xff) bytes.push(0x00);
  return Buffer.from(bytes);
}

export function syntheticJpeg(shape: JpegShape): Buffer {
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8])];
  parts.push(segment(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')));
  if (shape.thumbnail) {
    const thumb = syntheticJpeg({ id: shape.id ^ 0x7fff, entropyBytes: 24 });
    parts.push(segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0MM\0*\0\0\0\x08', 'latin1'), thumb, Buffer.from([0xff, 0xd9, 0x12])])));
  }
  parts.push(segment(0xdb, Buffer.alloc(65, shape.id & 0x7f)));
  parts.push(segment(0xc0, Buffer.from([8, 0, 16, 0, 16, 1, 1, 0x11, 0])));
  parts.push(segment(0xc4, Buffer.alloc(20, 1)));
  if (shape.restarts) parts.push(segment(0xdd, Buffer.from([0, 16])));
  parts.push(segment(0xda, Buffer.from([1, 1, 0, 0, 63, 0])));
  parts.push(entropyData(shape.id, shape.entropyBytes ?? 64, shape.restarts ?? false));
  if (shape.secondScan) {
    parts.push(segment(0xc4, Buffer.alloc(20, 2)));
    parts.push(segment(0xda, Buffer.from([1, 1, 0, 1, 63, 0])));
    parts.push(entropyData(shape.id + 1, 32, false));
  }
  parts.push(Buffer.from([0xff, 0xd9]));
  return Buffer.concat(parts);
}

/** Cuts `data` into chunks of the given sizes, cycling through them. */
export function chunked(data: Buffer, sizes: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0, i = 0; offset < data.length; i += 1) {
    const size = Math.max(1, sizes[i % sizes.length]!);
    chunks.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

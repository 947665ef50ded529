/**
 * JPEG marker codes and two structural checks the MJPEG splitter uses to
 * tell an embedded thumbnail from the start of a frame it ran into.
 */
export const MARKER = 0xff;
export const SOI = 0xd8;
export const EOI = 0xd9;
export const SOS = 0xda;
export const TEM = 0x01;
export const RST0 = 0xd0;
export const RST7 = 0xd7;
export const SOI_BYTES = Buffer.from([MARKER, SOI]);

const IMAGE_CONTAINERS = ['Exif\0', 'JFXX\0', 'MPF\0', 'FPXR\0'].map((id) => Buffer.from(id, 'latin1'));

/** True for APPn segments whose format embeds JPEGs (thumbnails, previews), judged by their identifier. */
export function holdsImages(code: number, start: Buffer): boolean {
  return code >= 0xe0 && code <= 0xef && IMAGE_CONTAINERS.some((id) => start.subarray(0, id.length).equals(id));
}

/**
 * Walks the JPEG whose SOI is at `soi` inside `data`: 'crosses' when its
 * structure is sound up to the end of `data` (a frame that goes on beyond
 * it), the index after its EOI when it ends inside, 'invalid' when it does
 * not parse (an FF D8 that happens to be data).
 */
export function walkEmbedded(data: Buffer, soi: number): 'crosses' | 'invalid' | number {
  let pos = soi + 2;
  for (;;) {
    if (pos >= data.length) return 'crosses';
    if (data[pos] !== MARKER) return 'invalid';
    if (pos + 1 >= data.length) return 'crosses';
    const code = data[pos + 1]!;
    if (code === MARKER) {
      pos += 1;
      continue;
    }
    if (code === SOI || code === EOI || code < 0xc0 || (code >= RST0 && code <= RST7)) return 'invalid';
    if (pos + 3 >= data.length) return 'crosses';
    const length = data.readUInt16BE(pos + 2);
    if (length < 2) return 'invalid';
    pos += 2 + length;
    if (code !== SOS) continue;
    // Entropy-coded data: find the marker that ends it.
    for (;;) {
      const index = data.indexOf(MARKER, pos);
      if (index < 0 || index + 1 >= data.length) return 'crosses';
      const next = data[index + 1]!;
      if (next === 0x00 || next === MARKER || (next >= RST0 && next <= RST7)) {
        pos = index + 1;
        continue;
      }
      if (next === EOI) return index + 2;
      if (next === SOI) return 'invalid';
      pos = index;
      break;
    }
  }
}

/**
 * JPEG COM (comment) segments: the simulated camera tags each frame with what
 * the scenario put in the chamber, so the scenario classifier can read it back
 * from the bytes alone, the way a real classifier only sees bytes.
 */
const SOI = 0xffd8;
const COM = 0xfe;

export function withComment(jpeg: Buffer, comment: string): Buffer {
  if (jpeg.length < 2 || jpeg.readUInt16BE(0) !== SOI) throw new Error('not a JPEG: missing SOI marker');
  const text = Buffer.from(comment, 'utf8');
  if (text.length > 0xfffd) throw new Error('JPEG comment too long');
  const header = Buffer.alloc(4);
  header.writeUInt8(0xff, 0);
  header.writeUInt8(COM, 1);
  header.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, text, jpeg.subarray(2)]);
}

/** The text of every COM segment before the image data starts. */
export function readComments(jpeg: Buffer): string[] {
  const comments: string[] = [];
  if (jpeg.length < 4 || jpeg.readUInt16BE(0) !== SOI) return comments;
  let offset = 2;
  while (offset + 4 <= jpeg.length && jpeg[offset] === 0xff) {
    const marker = jpeg[offset + 1];
    // Start of scan: entropy-coded data follows, no more header segments.
    if (marker === 0xda) break;
    const length = jpeg.readUInt16BE(offset + 2);
    if (length < 2 || offset + 2 + length > jpeg.length) break;
    if (marker === COM) comments.push(jpeg.toString('utf8', offset + 4, offset + 2 + length));
    offset += 2 + length;
  }
  return comments;
}

/**
 * The control channel into the camera simulator (its stdin): each message is
 * a 4-byte big-endian length followed by that many bytes of JPEG. Pure; the
 * simulator process and SimulatedCameraControl share it.
 *
 * Unlike MJPEG there is no marker to resynchronise on, so a length over the
 * limit is a broken channel: the decoder stops and says so.
 */
const HEADER_BYTES = 4;

export function encodeLengthPrefixed(payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(payload.length, 0);
  return Buffer.concat([header, payload]);
}

export interface DecodeResult {
  frames: Buffer[];
  /** Set once the stream is broken; nothing more is decoded after it. */
  error?: string;
}

export class LengthPrefixedDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  private broken: string | undefined;

  constructor(private readonly maxPayloadBytes: number) {}

  push(chunk: Buffer): DecodeResult {
    if (this.broken) return { frames: [], error: this.broken };
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: Buffer[] = [];
    while (this.buffer.length >= HEADER_BYTES) {
      const length = this.buffer.readUInt32BE(0);
      if (length > this.maxPayloadBytes) {
        this.broken = `frame length ${length} exceeds ${this.maxPayloadBytes}`;
        this.buffer = Buffer.alloc(0);
        return { frames, error: this.broken };
      }
      if (this.buffer.length < HEADER_BYTES + length) break;
      frames.push(Buffer.from(this.buffer.subarray(HEADER_BYTES, HEADER_BYTES + length)));
      this.buffer = this.buffer.subarray(HEADER_BYTES + length);
    }
    return { frames };
  }

  /** Bytes held for an incomplete message. */
  get buffered(): number {
    return this.buffer.length;
  }
}

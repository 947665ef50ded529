import { LineFramer } from '../serial/line-framer.js';

/**
 * Bytes to typed frames for a line-based scale protocol, as a pure class:
 *
 *   chunks ──► LineFramer (bounded) ──► lines ──► parseLine ──► frames | rejected
 *
 * Nothing is thrown: bytes that make no frame are handed back in `rejected`,
 * with a reason, for the caller to count and log in hex.
 */
export type LineParseResult<T, Reason extends string> =
  | { ok: true; frame: T }
  | {
      ok: false;
      reason: Reason;
      /** The response id when the line was readable that far (lets a driver fail the right command at once). */
      id?: string;
    };

export interface RejectedLine<Reason extends string> {
  /** `overlong`: no line end within maxLength; `noise`: control or 8-bit bytes in front of a line. */
  reason: Reason | 'overlong' | 'noise';
  bytes: Buffer;
  id?: string;
}

export interface DecodedChunk<T, Reason extends string> {
  frames: T[];
  rejected: Array<RejectedLine<Reason>>;
  /** Frames and rejected lines in the order they arrived (overlong discards first), for request/response matching. */
  inOrder: Array<{ frame: T } | { rejected: RejectedLine<Reason> }>;
}

export const CR = Buffer.from('\r');
export const LF = Buffer.from('\n');
export const CRLF = Buffer.from('\r\n');

export interface LineDecoderOptions {
  /** Longest line kept, in bytes; longer ones are rejected as `overlong`. */
  maxLength: number;
}

export class LineDecoder<T, Reason extends string> {
  private readonly framer: LineFramer;

  constructor(
    private readonly parseLine: (line: Buffer) => LineParseResult<T, Reason>,
    options: LineDecoderOptions,
  ) {
    // CR LF is the protocol, but a misconfigured scale that ends lines with CR
    // or LF alone must still be read; the empty lines that produces are skipped.
    this.framer = new LineFramer({ delimiters: [CRLF, CR, LF], maxLength: options.maxLength });
  }

  push(chunk: Buffer): DecodedChunk<T, Reason> {
    const { lines, discarded } = this.framer.push(chunk);
    const result: DecodedChunk<T, Reason> = { frames: [], rejected: [], inOrder: [] };
    for (const { reason, bytes } of discarded) this.reject({ reason, bytes }, result);
    for (const line of lines) this.take(line, result);
    return result;
  }

  /** Parses whatever is buffered without a line end (e.g. at link loss), and clears the buffer. */
  flush(): DecodedChunk<T, Reason> {
    const result: DecodedChunk<T, Reason> = { frames: [], rejected: [], inOrder: [] };
    // The framer hands back its rest only when it could be a line; the tail of an overlong one is dropped.
    const rest = this.framer.flush();
    if (rest) this.take(rest, result);
    return result;
  }

  /** Bytes held while waiting for a line end; bounded by maxLength plus a delimiter. */
  get buffered(): number {
    return this.framer.buffered;
  }

  private take(whole: Buffer, into: DecodedChunk<T, Reason>): void {
    // Line noise (a glitch at plug-in or power-up) usually lands in front of
    // the next line; shed it so that line still counts. Only non-printable
    // bytes are shed, so no valid frame can be made up from the noise.
    const start = whole.findIndex((byte) => byte >= 0x20 && byte <= 0x7e);
    if (start !== 0) this.reject({ reason: 'noise', bytes: start < 0 ? whole : whole.subarray(0, start) }, into);
    if (start < 0) return;
    const line = whole.subarray(start);
    const parsed = this.parseLine(line);
    if (parsed.ok) {
      into.frames.push(parsed.frame);
      into.inOrder.push({ frame: parsed.frame });
    } else {
      this.reject(parsed.id === undefined ? { reason: parsed.reason, bytes: line } : { reason: parsed.reason, bytes: line, id: parsed.id }, into);
    }
  }

  private reject(rejected: RejectedLine<Reason>, into: DecodedChunk<T, Reason>): void {
    into.rejected.push(rejected);
    into.inOrder.push({ rejected });
  }
}

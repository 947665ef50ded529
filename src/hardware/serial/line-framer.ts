/**
 * Splits a byte stream into delimited lines, as a pure function over chunks.
 *
 * Written here rather than taken from @serialport/parser-delimiter because a
 * kiosk must bound memory against a device that never sends a delimiter:
 * an overlong line is dropped (and reported), never buffered without limit.
 * Chunks may split or merge lines at any offset.
 */
export interface FramerResult {
  /** Complete lines, delimiter removed. */
  lines: Buffer[];
  /** Bytes thrown away, with why: for a hex log and a counter. */
  discarded: Array<{ reason: 'overlong'; bytes: Buffer }>;
}

export interface LineFramerOptions {
  /**
   * Any of these ends a line; at the same position the longest wins. To accept
   * CR, LF or CRLF alike, pass [CR, LF] and ignore empty lines.
   */
  delimiters: readonly Buffer[];
  /** Longest line kept, in bytes, without its delimiter. */
  maxLength: number;
}

export class LineFramer {
  private buffer: Buffer = Buffer.alloc(0);
  /** True while we are skipping the rest of an overlong line. */
  private skipping = false;
  private readonly delimiters: readonly Buffer[];

  constructor(private readonly options: LineFramerOptions) {
    this.delimiters = [...options.delimiters].sort((a, b) => b.length - a.length);
  }

  push(chunk: Buffer): FramerResult {
    const result: FramerResult = { lines: [], discarded: [] };
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let start = 0;
    for (;;) {
      const match = this.findDelimiter(start);
      if (!match) break;
      const line = this.buffer.subarray(start, match.index);
      if (this.skipping) {
        result.discarded.push({ reason: 'overlong', bytes: Buffer.from(line) });
        this.skipping = false;
      } else if (line.length > this.options.maxLength) {
        result.discarded.push({ reason: 'overlong', bytes: Buffer.from(line) });
      } else {
        result.lines.push(Buffer.from(line));
      }
      start = match.index + match.length;
    }
    let rest = this.buffer.subarray(start);
    const keep = this.options.maxLength + this.longestDelimiter();
    if (rest.length > keep) {
      // Keep the last bytes that may be the start of a delimiter (the CR of a CRLF),
      // so the line after this overlong one is not swallowed with it.
      const tail = Math.min(this.longestDelimiter() - 1, rest.length);
      result.discarded.push({ reason: 'overlong', bytes: Buffer.from(rest.subarray(0, rest.length - tail)) });
      rest = rest.subarray(rest.length - tail);
      this.skipping = true;
    }
    this.buffer = Buffer.from(rest);
    return result;
  }

  /** Whatever is buffered without a delimiter, e.g. after an inter-byte timeout; clears the buffer. */
  flush(): Buffer | undefined {
    const rest = this.buffer;
    this.buffer = Buffer.alloc(0);
    const wasSkipping = this.skipping;
    this.skipping = false;
    return rest.length > 0 && !wasSkipping && rest.length <= this.options.maxLength ? rest : undefined;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  private longestDelimiter(): number {
    return this.delimiters[0]?.length ?? 0;
  }

  private findDelimiter(from: number): { index: number; length: number } | undefined {
    let best: { index: number; length: number } | undefined;
    for (const delimiter of this.delimiters) {
      const index = this.buffer.indexOf(delimiter, from);
      if (index < 0) continue;
      if (best === undefined || index < best.index || (index === best.index && delimiter.length > best.length)) {
        best = { index, length: delimiter.length };
      }
    }
    return best;
  }
}

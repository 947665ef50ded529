/**
 * Splits an MJPEG byte stream (JPEGs back to back, as `rpicam-vid --codec
 * mjpeg -o -` or `ffmpeg -f mjpeg -` write them) into whole JPEG frames.
 * Pure: bytes in, frames and discarded byte ranges out; chunks may split or
 * merge frames at any offset.
 *
 * Scanning for FFD9 alone is wrong: an EXIF (APP1) segment may carry a
 * thumbnail JPEG with its own SOI/EOI. So the header is walked segment by
 * segment (each has a 2-byte length) up to SOS (FFDA); only in the
 * entropy-coded data after it is FFD9 the end, where FF00 (a stuffed FF
 * byte) and FFD0-FFD7 (restart markers) are data. Any other marker there
 * (DHT, SOS of a progressive JPEG's next scan, ...) returns to the segment walk.
 *
 * After junk or a broken frame the splitter resynchronises on the next SOI:
 * after a header that does not parse it searches again from the last good
 * marker, and a segment whose payload turns out to hold the start of the
 * next frame (the current one was cut short) ends the current frame there.
 *
 * Memory is bounded by maxFrameBytes: a longer frame is parsed on but not
 * kept, and reported as discarded. Every byte pushed ends up in exactly one
 * frame or one discarded range (or is still buffered).
 */

import { EOI, holdsImages, MARKER, RST0, RST7, SOI, SOI_BYTES, SOS, TEM, walkEmbedded } from './jpeg-markers.js';

/** Bytes of a discarded range kept for the hex log. */
const HEAD_BYTES = 32;

export interface SplitFrame {
  jpeg: Buffer;
  /** Stream offset of the frame's SOI: bytes pushed before it since the splitter was made. */
  offset: number;
}

/**
 * - junk: bytes outside any frame;
 * - truncated: a frame cut short by a new SOI or the end of the stream;
 * - corrupt: a frame whose header does not parse;
 * - oversize: a frame longer than maxFrameBytes.
 */
export type DiscardReason = 'junk' | 'truncated' | 'corrupt' | 'oversize';

export interface DiscardedRange {
  reason: DiscardReason;
  offset: number;
  length: number;
  /** The first bytes of the range (at most 32), for a bounded hex log. */
  head: Buffer;
}

export interface SplitResult {
  frames: SplitFrame[];
  discarded: DiscardedRange[];
}

export interface MjpegSplitterOptions {
  /** Longest frame kept, in bytes. */
  maxFrameBytes: number;
}

type Mode = 'seek' | 'header' | 'entropy';

export class MjpegSplitter {
  /** Retained bytes; buf[0] is at stream offset `bufOffset`. */
  private buf: Buffer = Buffer.alloc(0);
  private bufOffset = 0;
  private mode: Mode = 'seek';
  /** Stream offset of the next byte to parse (may lie beyond the data while a segment is skipped). */
  private pos = 0;
  private frameStart = 0;
  /** Where to look for the next SOI if this frame's header breaks: just after its last marker. */
  private resyncFrom = 0;
  /** The payload of the last header segment, checked for a swallowed frame once it is all here. */
  private skipped: { code: number; from: number; to: number } | undefined;
  /** Set while an oversize frame is parsed to its end without being kept. */
  private oversizeHead: Buffer | undefined;
  private result: SplitResult = { frames: [], discarded: [] };

  constructor(private readonly options: MjpegSplitterOptions) {
    if (!Number.isInteger(options.maxFrameBytes) || options.maxFrameBytes < 64) throw new RangeError('maxFrameBytes must be an integer >= 64');
  }

  /** Stream offset of the next byte to arrive (= bytes pushed so far). */
  get bytesReceived(): number {
    return this.bufOffset + this.buf.length;
  }

  /** Bytes held for a frame in progress. */
  get buffered(): number {
    return this.buf.length;
  }

  /** Stream offset of the SOI of the frame being received, if any. */
  get frameInProgressOffset(): number | undefined {
    return this.mode === 'seek' ? undefined : this.frameStart;
  }

  push(chunk: Buffer): SplitResult {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.parse();
    if (this.mode !== 'seek' && this.oversizeHead === undefined && this.bytesReceived - this.frameStart > this.options.maxFrameBytes) {
      this.oversizeHead = Buffer.from(this.slice(this.frameStart, this.frameStart + HEAD_BYTES));
    }
    this.trim();
    return this.take();
  }

  /**
   * End of stream (the camera process exited): a frame in progress is truncated.
   * A frame still skipping a header segment may have swallowed whole frames
   * behind a bogus length, so its bytes are searched again first. Offsets keep counting.
   */
  flush(): SplitResult {
    const end = this.bytesReceived;
    this.parse(true);
    while (this.mode !== 'seek' && this.oversizeHead === undefined && this.pos > end && this.slice(this.resyncFrom, end).includes(SOI_BYTES)) {
      this.skipped = undefined;
      this.endFrame('truncated', this.resyncFrom);
      this.mode = 'seek';
      this.pos = this.resyncFrom;
      this.parse(true);
    }
    if (this.mode !== 'seek') this.endFrame('truncated', end);
    else if (end > this.pos) this.discard('junk', this.pos, end);
    this.mode = 'seek';
    this.pos = end;
    this.trim();
    return this.take();
  }

  private take(): SplitResult {
    const result = this.result;
    this.result = { frames: [], discarded: [] };
    return result;
  }

  /** Parses as far as the bytes go; `final`: no more will come. */
  private parse(final = false): void {
    const end = this.bytesReceived;
    for (;;) {
      if (this.skipped) {
        const check = this.checkSkipped(end, final);
        if (check === 'wait') return;
        if (check === 'resynced') continue;
      }
      if (this.pos >= end) return;
      const progress = this.mode === 'seek' ? this.seek(end) : this.mode === 'header' ? this.header(end) : this.entropy(end);
      if (!progress) return;
    }
  }

  /** Looks for SOI from pos; what it passes over is junk. False when it needs more bytes. */
  private seek(end: number): boolean {
    let index = this.pos - this.bufOffset;
    for (;;) {
      index = this.buf.indexOf(MARKER, index);
      if (index < 0 || index + 1 >= this.buf.length) break;
      if (this.buf[index + 1] === SOI) {
        const soi = this.bufOffset + index;
        if (soi > this.pos) this.discard('junk', this.pos, soi);
        this.beginFrame(soi);
        return true;
      }
      index += 1;
    }
    // No SOI here: all junk but a final FF, which the next chunk may complete to an SOI.
    const junkEnd = this.buf[this.buf.length - 1] === MARKER ? end - 1 : end;
    if (junkEnd > this.pos) this.discard('junk', this.pos, junkEnd);
    this.pos = junkEnd;
    return false;
  }

  private beginFrame(soi: number): void {
    this.mode = 'header';
    this.skipped = undefined;
    this.frameStart = soi;
    this.pos = soi + 2;
    this.resyncFrom = soi + 2;
    this.oversizeHead = undefined;
  }

  /** Walks one marker segment. False when it needs more bytes. */
  private header(end: number): boolean {
    if (this.pos + 2 > end) return false;
    if (this.at(this.pos) !== MARKER) return this.corrupt();
    const code = this.at(this.pos + 1);
    if (code === MARKER) {
      this.pos += 1; // fill byte before a marker
      return true;
    }
    if (code === SOI) {
      this.endFrame('truncated', this.pos);
      this.beginFrame(this.pos);
      return true;
    }
    if (code === EOI) {
      // An image with no scan is no image.
      this.endFrame('corrupt', this.pos + 2);
      this.mode = 'seek';
      this.pos += 2;
      return true;
    }
    // 0x02-0xBF are reserved: no encoder writes them, so they mean we are not in a header.
    if (code === 0x00 || (code > TEM && code < 0xc0)) return this.corrupt();
    if (code === TEM || (code >= RST0 && code <= RST7)) {
      this.pos += 2;
      return true;
    }
    if (this.pos + 4 > end) return false;
    const length = this.at(this.pos + 2) * 256 + this.at(this.pos + 3);
    if (length < 2) return this.corrupt();
    this.resyncFrom = this.pos + 2;
    this.skipped = { code, from: this.pos + 4, to: this.pos + 2 + length };
    this.pos += 2 + length;
    if (code === SOS) this.mode = 'entropy';
    return true;
  }

  /**
   * A frame cut short inside a header segment makes the segment's length
   * swallow the start of the next frame, and the walk may then carry on
   * through that frame's own segments: two frames merged into one bad one.
   * So once a segment's payload is all here, it is searched for an SOI that
   * opens a JPEG: one running past the payload's end, or a whole one in a
   * segment that cannot hold images, is a frame which started inside it, so
   * the current one was truncated there. A whole JPEG in an EXIF/JFXX/MPF/FPXR
   * APPn segment is a thumbnail, and passed over.
   */
  private checkSkipped(end: number, final: boolean): 'wait' | 'resynced' | 'clear' {
    const skipped = this.skipped!;
    // The byte after the payload too, in case an SOI straddles its end.
    if (skipped.to > end || (skipped.to + 1 > end && !final)) return 'wait';
    this.skipped = undefined;
    if (this.mode === 'seek' || this.oversizeHead !== undefined) return 'clear';
    // From the length's low byte: a frame cut inside the length field puts the next SOI there.
    const from = Math.max(skipped.from - 1, this.frameStart + 2);
    const window = this.slice(from, Math.min(skipped.to + 1, end));
    const container = holdsImages(skipped.code, this.slice(skipped.from, skipped.from + 5));
    let index = window.indexOf(SOI_BYTES);
    while (index >= 0) {
      const walked = walkEmbedded(window, index);
      if (walked === 'crosses' || (typeof walked === 'number' && !container)) {
        const soi = from + index;
        this.endFrame('truncated', soi);
        this.beginFrame(soi);
        return 'resynced';
      }
      index = window.indexOf(SOI_BYTES, walked === 'invalid' ? index + 2 : walked);
    }
    return 'clear';
  }

  /** Scans entropy-coded data for the next marker. False when it needs more bytes. */
  private entropy(end: number): boolean {
    let index = this.buf.indexOf(MARKER, this.pos - this.bufOffset);
    for (;;) {
      if (index < 0) {
        this.pos = end;
        return false;
      }
      if (index + 1 >= this.buf.length) {
        this.pos = this.bufOffset + index;
        return false;
      }
      const code = this.buf[index + 1]!;
      if (code === 0x00 || (code >= RST0 && code <= RST7)) {
        index += 2;
        index = this.buf.indexOf(MARKER, index);
        continue;
      }
      if (code === MARKER) {
        index += 1;
        continue;
      }
      const at = this.bufOffset + index;
      if (code === EOI) {
        this.endFrame(undefined, at + 2);
        this.mode = 'seek';
        this.pos = at + 2;
      } else if (code === SOI) {
        this.endFrame('truncated', at);
        this.beginFrame(at);
      } else {
        // A table or the next scan of a progressive JPEG: back to walking segments.
        this.mode = 'header';
        this.pos = at;
      }
      return true;
    }
  }

  /** The header does not parse: discard up to the last good marker and look for an SOI from there. */
  private corrupt(): true {
    if (this.oversizeHead !== undefined) {
      // The oversize frame's bytes are gone, so there is nothing to rescan.
      this.endFrame('oversize', this.pos);
    } else {
      this.endFrame('corrupt', this.resyncFrom);
      this.pos = this.resyncFrom;
    }
    this.mode = 'seek';
    return true;
  }

  /** Closes the current frame at `end`: kept when `reason` is undefined and it fits, discarded otherwise. */
  private endFrame(reason: DiscardReason | undefined, end: number): void {
    const length = end - this.frameStart;
    if (this.oversizeHead !== undefined || length > this.options.maxFrameBytes) {
      const head = this.oversizeHead ?? Buffer.from(this.slice(this.frameStart, this.frameStart + HEAD_BYTES));
      this.result.discarded.push({ reason: 'oversize', offset: this.frameStart, length, head });
    } else if (reason === undefined) {
      this.result.frames.push({ jpeg: Buffer.from(this.slice(this.frameStart, end)), offset: this.frameStart });
    } else {
      this.discard(reason, this.frameStart, end);
    }
    this.oversizeHead = undefined;
  }

  private discard(reason: DiscardReason, from: number, to: number): void {
    this.result.discarded.push({ reason, offset: from, length: to - from, head: Buffer.from(this.slice(from, Math.min(to, from + HEAD_BYTES))) });
  }

  /** Drops bytes no longer needed: all before the frame in progress, or before pos while seeking or discarding. */
  private trim(): void {
    const keepFrom = this.mode !== 'seek' && this.oversizeHead === undefined ? this.frameStart : Math.min(this.pos, this.bytesReceived);
    if (keepFrom > this.bufOffset) {
      this.buf = this.buf.subarray(keepFrom - this.bufOffset);
      this.bufOffset = keepFrom;
    }
  }

  private at(offset: number): number {
    return this.buf[offset - this.bufOffset]!;
  }

  private slice(from: number, to: number): Buffer {
    return this.buf.subarray(Math.max(0, from - this.bufOffset), Math.max(0, to - this.bufOffset));
  }
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MjpegSplitter, type DiscardedRange, type SplitFrame } from '../../../src/hardware/camera/mjpeg-splitter.js';
import { PLACEHOLDER_FRAME_JPEG } from '../../../src/hardware/camera/placeholder-frame.js';
import { chunked, syntheticJpeg } from './jpeg-fixtures.js';

const A = syntheticJpeg({ id: 1 });
const B = syntheticJpeg({ id: 2 });
const C = syntheticJpeg({ id: 3 });
const WITH_THUMBNAIL = syntheticJpeg({ id: 4, thumbnail: true });
const WITH_RESTARTS = syntheticJpeg({ id: 5, restarts: true, entropyBytes: 200 });
const PROGRESSIVE = syntheticJpeg({ id: 6, secondScan: true });
const junk = (text: string): Buffer => Buffer.from(text, 'latin1');

interface Run {
  frames: SplitFrame[];
  discarded: DiscardedRange[];
  maxBuffered: number;
  splitter: MjpegSplitter;
}

function run(chunks: readonly Buffer[], maxFrameBytes = 1 << 20, flush = false): Run {
  const splitter = new MjpegSplitter({ maxFrameBytes });
  const frames: SplitFrame[] = [];
  const discarded: DiscardedRange[] = [];
  let maxBuffered = 0;
  for (const chunk of chunks) {
    const result = splitter.push(chunk);
    frames.push(...result.frames);
    discarded.push(...result.discarded);
    maxBuffered = Math.max(maxBuffered, splitter.buffered);
  }
  if (flush) {
    const result = splitter.flush();
    frames.push(...result.frames);
    discarded.push(...result.discarded);
  }
  return { frames, discarded, maxBuffered, splitter };
}

const jpegs = (r: Run): Buffer[] => r.frames.map((frame) => frame.jpeg);
const reasons = (r: Run): string[] => r.discarded.map((range) => range.reason);

describe('MjpegSplitter', () => {
  it.each([
    ['the placeholder (a real JPEG) in one chunk', [PLACEHOLDER_FRAME_JPEG], [PLACEHOLDER_FRAME_JPEG], []],
    ['two frames in one chunk', [Buffer.concat([A, B])], [A, B], []],
    ['a frame split in three', [A.subarray(0, 3), A.subarray(3, 100), A.subarray(100)], [A], []],
    ['the end of one frame and the start of the next in one chunk', [A.subarray(0, 50), Buffer.concat([A.subarray(50), B.subarray(0, 9)]), B.subarray(9)], [A, B], []],
    ['junk before a frame', [Buffer.concat([junk('garbage\xff\x00'), A])], [A], ['junk']],
    ['junk between frames', [Buffer.concat([A, junk('\x00\xff\xff\x12'), B])], [A, B], ['junk']],
    ['a frame truncated in its entropy data, then a good one', [Buffer.concat([A.subarray(0, A.length - 20), B])], [B], ['truncated']],
    ['a frame truncated inside a header segment, then a good one', [Buffer.concat([A.subarray(0, 30), B])], [B], ['truncated']],
    ['a frame truncated inside a length field, then good ones', [Buffer.concat([A.subarray(0, 5), B, C])], [B, C], ['truncated']],
    ['a frame truncated right after its SOI, then a good one', [Buffer.concat([A.subarray(0, 2), B])], [B], ['truncated']],
    ['an EXIF thumbnail with its own SOI/EOI inside a frame', [WITH_THUMBNAIL], [WITH_THUMBNAIL], []],
    ['restart markers and FF00 stuffing inside the entropy data', [Buffer.concat([WITH_RESTARTS, A])], [WITH_RESTARTS, A], []],
    ['a second scan after a table, as in a progressive JPEG', [PROGRESSIVE], [PROGRESSIVE], []],
    ['fill bytes (FF FF) before a marker', [Buffer.concat([A.subarray(0, 2), Buffer.from([0xff, 0xff]), A.subarray(2)])], [Buffer.concat([A.subarray(0, 2), Buffer.from([0xff, 0xff]), A.subarray(2)])], []],
    ['an SOI split across chunks after junk', [Buffer.concat([junk('xx'), A.subarray(0, 1)]), A.subarray(1)], [A], ['junk']],
    ['an image with no scan (EOI in the header)', [Buffer.concat([A.subarray(0, 2), Buffer.from([0xff, 0xd9]), B])], [B], ['corrupt']],
    ['a header that does not parse', [Buffer.concat([A.subarray(0, 2), junk('nonsense'), C])], [C], ['corrupt', 'junk']],
  ])('%s', (_name, chunks, frames, discarded) => {
    const result = run(chunks);
    expect(jpegs(result)).toEqual(frames);
    expect(reasons(result)).toEqual(discarded);
  });

  it('finds the same frames whatever offset a chunk boundary falls at', () => {
    const stream = Buffer.concat([junk('\xff'), WITH_THUMBNAIL, WITH_RESTARTS, PROGRESSIVE]);
    const expected = Buffer.concat([WITH_THUMBNAIL, WITH_RESTARTS, PROGRESSIVE]);
    const misses: number[] = [];
    for (let cut = 0; cut <= stream.length; cut += 1) {
      const found = jpegs(run([stream.subarray(0, cut), stream.subarray(cut)]));
      if (found.length !== 3 || !Buffer.concat(found).equals(expected)) misses.push(cut);
    }
    expect(misses).toEqual([]);
    expect(jpegs(run(chunked(stream, [1])))).toEqual([WITH_THUMBNAIL, WITH_RESTARTS, PROGRESSIVE]);
  });

  it('finds the next two frames after a frame truncated at any offset', () => {
    const misses: string[] = [];
    for (const [i, cutFrom] of [A, WITH_THUMBNAIL, WITH_RESTARTS, PROGRESSIVE, PLACEHOLDER_FRAME_JPEG].entries()) {
      for (const [next, after] of [[B, C], [WITH_THUMBNAIL, PROGRESSIVE], [PLACEHOLDER_FRAME_JPEG, WITH_RESTARTS], [cutFrom, cutFrom]] as const) {
        for (let cut = 1; cut < cutFrom.length; cut += 1) {
          const found = jpegs(run([Buffer.concat([cutFrom.subarray(0, cut), next, after])], 1 << 20, true));
          if (found.length !== 2 || !found[0]!.equals(next) || !found[1]!.equals(after)) misses.push(`fixture ${i} cut at ${cut}`);
        }
      }
    }
    expect(misses).toEqual([]);
  });

  it('reports each frame at its stream offset, and junk in hex-ready heads', () => {
    const prefix = junk('0123456789abcdef0123456789abcdefXYZ');
    const result = run([Buffer.concat([prefix, A, B])]);
    expect(result.frames.map((frame) => frame.offset)).toEqual([prefix.length, prefix.length + A.length]);
    expect(result.discarded).toEqual([{ reason: 'junk', offset: 0, length: prefix.length, head: prefix.subarray(0, 32) }]);
    expect(result.splitter.bytesReceived).toBe(prefix.length + A.length + B.length);
  });

  it('tells where the frame being received started, and forgets it once whole', () => {
    const splitter = new MjpegSplitter({ maxFrameBytes: 4096 });
    splitter.push(junk('abc'));
    expect(splitter.frameInProgressOffset).toBeUndefined();
    splitter.push(A.subarray(0, 10));
    expect(splitter.frameInProgressOffset).toBe(3);
    splitter.push(A.subarray(10));
    expect(splitter.frameInProgressOffset).toBeUndefined();
  });

  it('discards a frame over maxFrameBytes without buffering it, and keeps the next one', () => {
    const big = syntheticJpeg({ id: 9, entropyBytes: 5000 });
    const result = run(chunked(Buffer.concat([A, big, B]), [700]), 1024);
    expect(jpegs(result)).toEqual([A, B]);
    expect(result.discarded).toMatchObject([{ reason: 'oversize', offset: A.length, length: big.length }]);
    expect(result.discarded[0]!.head).toEqual(big.subarray(0, 32));
    expect(result.maxBuffered).toBeLessThanOrEqual(1024);
  });

  it('discards a whole oversize frame that arrives in one chunk', () => {
    const big = syntheticJpeg({ id: 9, entropyBytes: 5000 });
    const result = run([Buffer.concat([big, A])], 1024);
    expect(jpegs(result)).toEqual([A]);
    expect(reasons(result)).toEqual(['oversize']);
  });

  it('flushes a partial frame as truncated at the end of the stream, and keeps counting offsets', () => {
    const splitter = new MjpegSplitter({ maxFrameBytes: 4096 });
    splitter.push(Buffer.concat([A, B.subarray(0, 40)]));
    expect(splitter.flush().discarded).toMatchObject([{ reason: 'truncated', offset: A.length, length: 40 }]);
    expect(splitter.buffered).toBe(0);
    const next = splitter.push(C);
    expect(next.frames).toEqual([{ jpeg: C, offset: A.length + 40 }]);
    expect(splitter.flush()).toEqual({ frames: [], discarded: [] });
  });

  it('refuses a maxFrameBytes too small to hold a header', () => {
    expect(() => new MjpegSplitter({ maxFrameBytes: 10 })).toThrow(RangeError);
  });

  describe('fuzzed (fast-check, fixed seed)', () => {
    const good = fc.constantFrom(A, B, C, WITH_THUMBNAIL, WITH_RESTARTS, PROGRESSIVE, PLACEHOLDER_FRAME_JPEG);
    const garbage = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.from(bytes));
    const truncated = fc.tuple(good, fc.nat()).map(([jpeg, cut]) => jpeg.subarray(0, cut % jpeg.length));
    const sizes = fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 8 });

    it('never throws, stays bounded, and accounts for every byte, whatever the input and chunking', () => {
      fc.assert(
        fc.property(fc.array(fc.oneof(good, garbage, truncated), { maxLength: 12 }), sizes, fc.integer({ min: 64, max: 2048 }), (items, cuts, maxFrameBytes) => {
          const stream = Buffer.concat(items);
          const result = run(chunked(stream, cuts), maxFrameBytes, true);
          expect(result.maxBuffered).toBeLessThanOrEqual(maxFrameBytes);
          const framed = result.frames.reduce((sum, frame) => sum + frame.jpeg.length, 0);
          const dropped = result.discarded.reduce((sum, range) => sum + range.length, 0);
          expect(framed + dropped).toBe(stream.length);
          for (const frame of result.frames) {
            expect(frame.jpeg.length).toBeLessThanOrEqual(maxFrameBytes);
            expect(stream.subarray(frame.offset, frame.offset + frame.jpeg.length)).toEqual(frame.jpeg);
          }
          for (const range of result.discarded) expect(range.head.length).toBeLessThanOrEqual(32);
        }),
        { seed: 20261124, numRuns: 400 },
      );
    });

    it('finds the same frames however the stream is chunked', () => {
      fc.assert(
        fc.property(fc.array(fc.oneof(good, garbage, truncated), { maxLength: 12 }), sizes, (items, cuts) => {
          const stream = Buffer.concat(items);
          const whole = run([stream]);
          expect(run(chunked(stream, cuts)).frames).toEqual(whole.frames);
          expect(run(chunked(stream, [1])).frames).toEqual(whole.frames);
        }),
        { seed: 20261125, numRuns: 200 },
      );
    });

    it('finds every good frame, in order, among garbage that holds no SOI', () => {
      const noSoi = garbage.map((bytes) => {
        const clean = Buffer.from(bytes.toString('latin1').replaceAll('\xff\xd8', '\xff\x00'), 'latin1');
        // Nor may it make one with its neighbour.
        return clean[clean.length - 1] === 0xff ? Buffer.concat([clean, Buffer.from([0])]) : clean;
      });
      const item = fc.oneof(good.map((jpeg) => ({ jpeg, good: true })), noSoi.map((jpeg) => ({ jpeg, good: false })));
      fc.assert(
        fc.property(fc.array(item, { maxLength: 12 }), sizes, (items, cuts) => {
          const stream = Buffer.concat(items.map((i) => i.jpeg));
          expect(jpegs(run(chunked(stream, cuts), 1 << 20, true))).toEqual(items.filter((i) => i.good).map((i) => i.jpeg));
        }),
        { seed: 20261126, numRuns: 400 },
      );
    });

    it('finds good frames again after any mix of garbage and truncated frames', () => {
      fc.assert(
        fc.property(fc.array(fc.oneof(good, garbage, truncated), { maxLength: 10 }), good, good, sizes, (items, next, last, cuts) => {
          // Garbage may itself hold an SOI that swallows the frame after it; the one after that is found.
          const found = jpegs(run(chunked(Buffer.concat([...items, next, last]), cuts), 1 << 20, true));
          expect(found.at(-1)).toEqual(last);
        }),
        { seed: 20261127, numRuns: 400 },
      );
    });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeLengthPrefixed, LengthPrefixedDecoder } from '../../../src/hardware/camera/length-prefixed-frames.js';
import { chunked } from './jpeg-fixtures.js';

const frame = (text: string): Buffer => encodeLengthPrefixed(Buffer.from(text));

function decode(chunks: readonly Buffer[], max = 64): { frames: string[]; error?: string } {
  const decoder = new LengthPrefixedDecoder(max);
  const frames: string[] = [];
  let error: string | undefined;
  for (const chunk of chunks) {
    const result = decoder.push(chunk);
    frames.push(...result.frames.map((f) => f.toString()));
    error ??= result.error;
  }
  return error === undefined ? { frames } : { frames, error };
}

describe('length-prefixed frames (the camera simulator control channel)', () => {
  it.each([
    ['one frame', [frame('abc')], ['abc']],
    ['two frames in one chunk', [Buffer.concat([frame('a'), frame('bc')])], ['a', 'bc']],
    ['a frame split inside its header and its payload', [frame('hello').subarray(0, 2), frame('hello').subarray(2, 6), frame('hello').subarray(6)], ['hello']],
    ['an empty frame', [frame('')], ['']],
    ['a partial frame waits', [Buffer.concat([frame('x'), frame('yz').subarray(0, 5)])], ['x']],
  ])('%s', (_name, chunks, frames) => {
    expect(decode(chunks)).toEqual({ frames });
  });

  it('stops at a length over the limit: without markers there is no resynchronising', () => {
    const result = decode([Buffer.concat([frame('ok'), Buffer.from([0xff, 0xff, 0xff, 0xff]), frame('lost')])]);
    expect(result.frames).toEqual(['ok']);
    expect(result.error).toMatch(/exceeds/);
    expect(decode([Buffer.from([0, 0, 1, 0])], 64).error).toBeDefined();
  });

  it('decodes the same frames however the stream is chunked, never buffering more than one frame', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }), fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 5 }), (payloads, sizes) => {
        const stream = Buffer.concat(payloads.map((p) => encodeLengthPrefixed(Buffer.from(p))));
        const decoder = new LengthPrefixedDecoder(64);
        const frames: Buffer[] = [];
        for (const chunk of chunked(stream, sizes)) {
          const result = decoder.push(chunk);
          expect(result.error).toBeUndefined();
          frames.push(...result.frames);
          expect(decoder.buffered).toBeLessThanOrEqual(4 + 64 + 70);
        }
        expect(frames).toEqual(payloads.map((p) => Buffer.from(p)));
      }),
      { seed: 20261128, numRuns: 300 },
    );
  });

  it('never throws on garbage', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 10 }), (chunks) => {
        const decoder = new LengthPrefixedDecoder(1024);
        for (const chunk of chunks) decoder.push(Buffer.from(chunk));
        expect(decoder.buffered).toBeLessThanOrEqual(4 + 1024 + 100);
      }),
      { seed: 20261129, numRuns: 300 },
    );
  });
});

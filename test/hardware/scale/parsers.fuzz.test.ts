import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONTINUOUS_MAX_LINE, createContinuousDecoder, parseContinuousLine } from '../../../src/hardware/scale/continuous-ascii-parser.js';
import type { LineDecoder, LineParseResult } from '../../../src/hardware/scale/line-decoder.js';
import { createMtSicsDecoder, parseMtSicsLine } from '../../../src/hardware/scale/mt-sics-parser.js';
import { MT_SICS_MAX_LINE } from '../../../src/hardware/scale/mt-sics-protocol.js';
import { WEIGHT_UNITS, toGrams } from '../../../src/hardware/scale/units.js';

const SEED = 20261123;
const RUNS = 400;

interface Protocol {
  name: string;
  maxLength: number;
  parse: (line: Buffer) => LineParseResult<unknown, string>;
  decoder: () => LineDecoder<unknown, string>;
  /** Lines the real device sends. */
  goodLine: fc.Arbitrary<string>;
}

const unit = fc.constantFrom(...WEIGHT_UNITS);
const value = fc.double({ min: -99_999, max: 99_999, noNaN: true });
const decimals = fc.integer({ min: 0, max: 4 });

const mtSicsGood = fc.oneof(
  fc.tuple(fc.constantFrom('S S', 'S D', 'T S', 'TI S', 'TI D'), value, decimals, unit).map(([head, v, d, u]) => `${head} ${v.toFixed(d).padStart(10)} ${u}`),
  fc.constantFrom('S I', 'S +', 'S -', 'T I', 'T +', 'Z A', 'Z I', 'ZI S', 'ZI D', 'ES', 'ET', 'EL', 'TI L'),
  fc.stringMatching(/^[A-Z0-9]{1,20}$/).map((serial) => `I4 A "${serial}"`),
);

const continuousGood = fc
  .tuple(fc.constantFrom('ST,', 'US,', ''), fc.constantFrom('GS,', 'NT,', ''), value, decimals, unit)
  .map(([stability, mode, v, d, u]) => `${stability}${mode}${v < 0 ? '-' : '+'}${Math.abs(v).toFixed(d).padStart(8, '0')}${u}`);

const protocols: Protocol[] = [
  { name: 'MT-SICS', maxLength: MT_SICS_MAX_LINE, parse: parseMtSicsLine, decoder: createMtSicsDecoder, goodLine: mtSicsGood },
  { name: 'continuous ASCII', maxLength: CONTINUOUS_MAX_LINE, parse: parseContinuousLine, decoder: createContinuousDecoder, goodLine: continuousGood },
];

/** Garbage as line noise really looks: any bytes, NUL and 8-bit included, sometimes very long. */
const garbage = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.uint8Array({ minLength: 200, maxLength: 1200 }),
  fc.constantFrom(new Uint8Array([0]), new Uint8Array([0xff, 0xfe, 0x00, 0x80]), new Uint8Array(300).fill(0x41)),
);

function chunked(stream: Buffer, cuts: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0, i = 0; offset < stream.length; i += 1) {
    const size = cuts[i % cuts.length]!;
    chunks.push(stream.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

function decodeAll(protocol: Protocol, chunks: Buffer[]): { frames: unknown[]; maxBuffered: number } {
  const decoder = protocol.decoder();
  const frames: unknown[] = [];
  let maxBuffered = 0;
  for (const chunk of chunks) {
    frames.push(...decoder.push(chunk).frames);
    maxBuffered = Math.max(maxBuffered, decoder.buffered);
  }
  frames.push(...decoder.flush().frames);
  return { frames, maxBuffered };
}

describe.each(protocols)('$name parser under fuzzing', (protocol) => {
  const bound = protocol.maxLength + 2;

  it('reads every line the device sends', () => {
    fc.assert(
      fc.property(protocol.goodLine, (line) => {
        expect(protocol.parse(Buffer.from(line, 'latin1')).ok).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('never throws on arbitrary bytes, and a frame it returns is sane', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const result = protocol.parse(Buffer.from(bytes));
        if (result.ok) {
          const weight = (result.frame as { weight?: { grams: number; unit: string } }).weight;
          if (weight) {
            expect(Number.isFinite(weight.grams)).toBe(true);
            expect(WEIGHT_UNITS).toContain(weight.unit);
          }
        }
      }),
      { seed: SEED, numRuns: RUNS * 2 },
    );
  });

  it('never accepts a line with a NUL or another control byte after the text starts', () => {
    fc.assert(
      fc.property(protocol.goodLine, fc.nat(), fc.integer({ min: 0, max: 0x1f }), (line, at, control) => {
        const bytes = Buffer.from(line, 'latin1');
        const index = 1 + (at % bytes.length);
        const corrupted = Buffer.concat([bytes.subarray(0, index), Buffer.from([control]), bytes.subarray(index)]);
        expect(protocol.parse(corrupted).ok).toBe(false);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('never accepts a weight in a unit it does not know', () => {
    fc.assert(
      fc.property(protocol.goodLine, fc.stringMatching(/^[a-zA-Z]{1,3}$/), (line, unitText) => {
        const relabelled = line.replace(/(mg|kg|g|lb|oz)$/, unitText);
        const result = protocol.parse(Buffer.from(relabelled, 'latin1'));
        const weight = result.ok ? (result.frame as { weight?: { unit: string } }).weight : undefined;
        if (weight) expect(weight.unit).toBe(unitText.toLowerCase());
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('gives the same frames however the stream is split or merged, with the buffer bounded', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof({ weight: 3, arbitrary: protocol.goodLine.map((l) => Buffer.from(`${l}\r\n`, 'latin1')) }, { weight: 1, arbitrary: garbage.map((g) => Buffer.from(g)) }), {
          maxLength: 25,
        }),
        fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 12 }),
        (pieces, cuts) => {
          const stream = Buffer.concat(pieces);
          const whole = decodeAll(protocol, [stream]);
          const split = decodeAll(protocol, chunked(stream, cuts));
          expect(split.frames).toEqual(whole.frames);
          expect(split.maxBuffered).toBeLessThanOrEqual(bound);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('gives the same frames when split at every single offset', () => {
    fc.assert(
      fc.property(fc.array(protocol.goodLine, { minLength: 1, maxLength: 4 }), garbage, (lines, junk) => {
        const stream = Buffer.concat([Buffer.from(junk), Buffer.from(`\r\n${lines.join('\r\n')}\r\n`, 'latin1')]);
        const whole = decodeAll(protocol, [stream]).frames;
        for (let offset = 0; offset <= stream.length; offset += 1) {
          expect(decodeAll(protocol, [stream.subarray(0, offset), stream.subarray(offset)]).frames).toEqual(whole);
        }
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('still reads every good line that follows garbage, overlong lines included', () => {
    fc.assert(
      fc.property(garbage, fc.array(protocol.goodLine, { minLength: 1, maxLength: 5 }), fc.constantFrom('\r\n', '\r', '\n'), (junk, lines, end) => {
        const stream = Buffer.concat([Buffer.from(junk), Buffer.from(end), Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'latin1')]);
        const { frames, maxBuffered } = decodeAll(protocol, [stream]);
        const expected = lines.map((l) => {
          const parsed = protocol.parse(Buffer.from(l, 'latin1'));
          return parsed.ok ? parsed.frame : undefined;
        });
        expect(frames.slice(-lines.length)).toEqual(expected);
        expect(maxBuffered).toBeLessThanOrEqual(bound);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('stays bounded on an endless line without a line end', () => {
    const decoder = protocol.decoder();
    for (let i = 0; i < 1000; i += 1) {
      decoder.push(Buffer.alloc(97, i % 256));
      expect(decoder.buffered).toBeLessThanOrEqual(bound);
    }
  });
});

describe('MT-SICS weight values round-trip to grams', () => {
  it('reads back what a balance prints, in grams', () => {
    fc.assert(
      fc.property(fc.double({ min: -9999, max: 9999, noNaN: true }), decimals, unit, (v, d, u) => {
        const printed = v.toFixed(d);
        const result = parseMtSicsLine(Buffer.from(`S S ${printed.padStart(10)} ${u}`));
        expect(result).toMatchObject({ ok: true, frame: { kind: 'weight', weight: { unit: u, grams: toGrams(Number(printed), u) } } });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

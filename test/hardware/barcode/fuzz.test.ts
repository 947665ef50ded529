import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileDecodingRules, decodeCode } from '../../../src/hardware/barcode/code-decoder.js';
import { DuplicateFilter } from '../../../src/hardware/barcode/duplicate-filter.js';
import { EV_KEY, EV_MSC, EV_SYN, INPUT_EVENT_SIZE, InputEventParser, encodeInputEvent, type InputEvent } from '../../../src/hardware/barcode/evdev.js';
import { GS, parseGs1 } from '../../../src/hardware/barcode/gs1.js';
import { GS1_AI_TABLE } from '../../../src/hardware/barcode/gs1-ai-table.js';
import { KeymapDecoder } from '../../../src/hardware/barcode/keymap-decoder.js';
import { inputEventsFor, keystrokesFor } from '../../../src/hardware/barcode/keymap-encoder.js';
import { SerialCodeFramer, suffixBytes } from '../../../src/hardware/barcode/serial-code-framer.js';
import { BarcodeDecodingConfig, type BarcodeSuffix } from '../../../src/ops/config/barcode-config.js';
import { KEY } from '../../../src/hardware/barcode/us-keymap.js';

/** Fixed seed: the same cases on every run and every machine. */
const SEED = 20261123;
const RUNS = 300;

/** Arbitrary bytes, with NUL runs, high bytes, CR/LF and GS over-represented. */
const garbage = fc.oneof(
  fc.uint8Array({ maxLength: 120 }).map((bytes) => Buffer.from(bytes)),
  fc.array(fc.constantFrom(0x00, 0x0d, 0x0a, 0x1d, 0x80, 0xff, 0xc3, 0xe5), { maxLength: 60 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ unit: 'binary', maxLength: 40 }).map((text) => Buffer.from(text, 'utf8')),
);

/** Cuts a stream into chunks of the given sizes (cycled): splits and merges at arbitrary offsets. */
function chunked(stream: Buffer, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0, i = 0; offset < stream.length; i += 1) {
    const size = sizes[i % sizes.length] ?? 1;
    chunks.push(stream.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}
const chunkSizes = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 });

describe('fuzz: serial framing', () => {
  const MAX = 64;
  /** Codes a scanner could really send: printable ASCII, GS, some CJK; never CR/LF at either end. */
  const goodCode = fc
    .array(fc.oneof(fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), fc.constantFrom(GS, '回', '收', ' ')), {
      minLength: 1,
      maxLength: 20,
    })
    .map((chars) => chars.join(''))
    .filter((code) => code.trim() === code);
  const suffix = fc.constantFrom<BarcodeSuffix>('CR', 'LF', 'CRLF');

  it('never throws, stays bounded, and reads the good codes after any garbage however the bytes are chunked', () => {
    fc.assert(
      fc.property(suffix, fc.array(garbage, { maxLength: 4 }), fc.array(goodCode, { minLength: 1, maxLength: 5 }), chunkSizes, (sfx, junk, codes, sizes) => {
        const end = suffixBytes(sfx);
        const overlong = Buffer.alloc(MAX * 2 + 7, 0x39);
        // Garbage runs, an overlong read, each ended by the suffix, then the good codes.
        const stream = Buffer.concat([...junk.flatMap((bytes) => [bytes, end]), overlong, end, ...codes.flatMap((code) => [Buffer.from(code, 'utf8'), end])]);
        const framer = new SerialCodeFramer({ suffix: sfx, maxLength: MAX });
        const got: string[] = [];
        let bad = 0;
        for (const chunk of chunked(stream, sizes)) {
          const result = framer.push(chunk);
          got.push(...result.codes);
          bad += result.bad.length;
          expect(framer.buffered).toBeLessThanOrEqual(MAX + end.length);
        }
        expect(got.slice(-codes.length)).toEqual(codes);
        expect(bad).toBeGreaterThanOrEqual(1);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('gives the same codes for a stream split at every single offset', () => {
    const stream = Buffer.from('SF1400039871234\r\u0000\u00ff\rKC-7Q2M-91XZ\r', 'latin1');
    for (let cut = 0; cut <= stream.length; cut += 1) {
      const framer = new SerialCodeFramer({ suffix: 'CR', maxLength: 64 });
      const codes = [stream.subarray(0, cut), stream.subarray(cut)].flatMap((chunk) => framer.push(chunk).codes);
      expect(codes).toEqual(['SF1400039871234', 'KC-7Q2M-91XZ']);
    }
  });
});

/** Input events of a real keyboard-mode scan, with wall-clock-like timestamps. */
function typed(code: string, startMicros: number): InputEvent[] {
  let now = startMicros;
  return inputEventsFor(keystrokesFor(code), { enter: true, nowMicros: () => (now += 137) });
}
const printableCode = fc
  .array(fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), { minLength: 1, maxLength: 30 })
  .map((chars) => chars.join(''))
  .filter((code) => code.trim().length > 0);
const wallMicros = fc.integer({ min: 1_600_000_000, max: 2_100_000_000 }).map((seconds) => seconds * 1_000_000);

describe('fuzz: evdev stream + keymap', () => {
  it('never throws, keeps under two records buffered, and decodes the scan that follows any garbage', () => {
    fc.assert(
      fc.property(fc.array(garbage, { maxLength: 3 }), printableCode, wallMicros, chunkSizes, (junk, code, start, sizes) => {
        // Garbage, an Enter that closes whatever the garbage may have typed, then the real scan.
        const separator = inputEventsFor([], { enter: true, nowMicros: () => start });
        const stream = Buffer.concat([...junk, ...separator.map(encodeInputEvent), ...typed(code, start).map(encodeInputEvent)]);
        const parser = new InputEventParser();
        const keymap = new KeymapDecoder({ maxLength: 64 });
        const codes: string[] = [];
        for (const chunk of chunked(stream, sizes)) {
          codes.push(...keymap.push(parser.push(chunk).events).codes);
          expect(parser.buffered).toBeLessThan(2 * INPUT_EVENT_SIZE);
          expect(keymap.pendingLength).toBeLessThanOrEqual(64);
        }
        expect(codes.at(-1)).toBe(code);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('recovers whatever the misalignment: junk of every length 1..47 before a scan', () => {
    for (let length = 1; length < 48; length += 1) {
      const parser = new InputEventParser();
      const keymap = new KeymapDecoder({ maxLength: 64 });
      const stream = Buffer.concat([Buffer.alloc(length, 0xa5), ...typed('SF1400039871234', 1_763_900_000_000_000).map(encodeInputEvent)]);
      const codes = keymap.push(parser.push(stream).events).codes;
      expect(codes, `junk of ${length} bytes`).toEqual(['SF1400039871234']);
    }
  });

  const randomEvent = fc.record({
    seconds: fc.integer({ min: 0, max: 2 ** 33 }),
    microseconds: fc.integer({ min: 0, max: 999_999 }),
    type: fc.constantFrom(EV_SYN, EV_KEY, EV_KEY, EV_KEY, EV_MSC),
    code: fc.oneof(fc.integer({ min: 0, max: 0x2ff }), fc.constantFrom(KEY.LEFTSHIFT, KEY.RIGHTCTRL, KEY.LEFTALT, KEY.CAPSLOCK, KEY.ENTER, 3)),
    value: fc.integer({ min: 0, max: 2 }),
  });

  it('keymap: random key events never throw, stay bounded, and the next code after an Enter is clean', () => {
    fc.assert(
      fc.property(fc.array(randomEvent, { maxLength: 300 }), printableCode, (events, code) => {
        const keymap = new KeymapDecoder({ maxLength: 32 });
        keymap.push(events.map((event) => (event.type === EV_SYN ? { ...event, value: 0 } : event)));
        expect(keymap.pendingLength).toBeLessThanOrEqual(32);
        const after = keymap.push([...inputEventsFor([], { enter: true, nowMicros: () => 0 }), ...typed(code, 0)]);
        expect(after.codes.at(-1)).toBe(code);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('fuzz: code decoder', () => {
  const rules = compileDecodingRules(BarcodeDecodingConfig.parse({}));
  const kinds = new Set(['waybill', 'consumer-session', 'gs1', 'staff', 'unknown']);
  const gs1ish = fc
    .array(fc.oneof(fc.constantFrom(GS, '(', ')', ']C1', ']d2', ']Q3', ']e0', '01', '10', '17', '00'), fc.integer({ min: 0, max: 9 }).map(String)), {
      maxLength: 60,
    })
    .map((parts) => parts.join(''));

  it('never throws and always gives one of the five kinds', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 600 }), gs1ish), fc.integer({ min: 1970, max: 2200 }), (code, referenceYear) => {
        const decoded = decodeCode(code, rules, { referenceYear });
        expect(kinds.has(decoded.kind)).toBe(true);
        const gs1 = parseGs1(code, { referenceYear });
        if (gs1.ok) for (const element of gs1.elements) expect(GS1_AI_TABLE.has(element.ai)).toBe(true);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  /** A valid GS1 element: fixed fields with correct check digits and dates, variable fields from CSET 82. */
  const withCheckDigit = (body: string): string => {
    let sum = 0;
    for (let i = body.length - 1, weight = 3; i >= 0; i -= 1, weight = 4 - weight) sum += Number(body[i]) * weight;
    return body + String((10 - (sum % 10)) % 10);
  };
  const digits = (length: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length }).map((d) => d.join(''));
  const cset82 = (max: number) =>
    fc
      .array(fc.constantFrom(...'!"%&\'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz'.split('')), { minLength: 1, maxLength: max })
      .map((c) => c.join(''));
  const element = fc.oneof(
    digits(17).map((d) => ({ ai: '00', value: withCheckDigit(d) })),
    digits(13).map((d) => ({ ai: '01', value: withCheckDigit(d) })),
    digits(13).map((d) => ({ ai: '02', value: withCheckDigit(d) })),
    cset82(20).map((value) => ({ ai: '10', value })),
    fc.tuple(fc.constantFrom('11', '13', '15', '17'), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 28 })).map(
      ([ai, yy, mm, dd]) => ({ ai, value: [yy, mm, dd].map((n) => String(n).padStart(2, '0')).join('') }),
    ),
    cset82(20).map((value) => ({ ai: '21', value })),
  );

  it('parses back any element string built from valid elements (GS after each variable field but the last)', () => {
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 6 }), (elements) => {
        const data = elements
          .map(({ ai, value }, i) => {
            const variable = GS1_AI_TABLE.get(ai)?.fixed === undefined;
            return ai + value + (variable && i < elements.length - 1 ? GS : '');
          })
          .join('');
        const result = parseGs1(data, { referenceYear: 2026 });
        expect(result.ok && result.elements.map(({ ai, value }) => ({ ai, value }))).toEqual(elements);
        expect(decodeCode(`]C1${data}`, rules, { referenceYear: 2026 }).kind).toBe('gs1');
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('fuzz: duplicate filter', () => {
  it('agrees with a plain model: a code passes unless seen within the window, and memory stays bounded', () => {
    const sighting = fc.tuple(fc.constantFrom('A', 'B', 'C', 'D', 'E'), fc.integer({ min: 0, max: 700 }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1500 }), fc.array(sighting, { maxLength: 100 }), (windowMs, sightings) => {
        const filter = new DuplicateFilter(windowMs, 8);
        const lastSeen = new Map<string, number>();
        let now = 0;
        for (const [code, step] of sightings) {
          now += step;
          const previous = lastSeen.get(code);
          const expected = windowMs === 0 || previous === undefined || now - previous >= windowMs;
          lastSeen.set(code, now);
          expect(filter.accept(code, now)).toBe(expected);
          expect(filter.size).toBeLessThanOrEqual(8);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

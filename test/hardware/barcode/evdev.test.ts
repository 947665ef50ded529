import { describe, expect, it } from 'vitest';
import {
  EV_KEY,
  EV_MSC,
  EV_SYN,
  INPUT_EVENT_SIZE,
  InputEventParser,
  decodeInputEvent,
  encodeInputEvent,
  isPlausibleInputEvent,
  type InputEvent,
} from '../../../src/hardware/barcode/evdev.js';

const at = { seconds: 1_763_900_000, microseconds: 123_456 };
const keyA: InputEvent = { ...at, type: EV_KEY, code: 30, value: 1 };
const syn: InputEvent = { ...at, type: EV_SYN, code: 0, value: 0 };
const scan: InputEvent = { ...at, type: EV_MSC, code: 4, value: 0x70004 };

function bytes(...events: InputEvent[]): Buffer {
  return Buffer.concat(events.map(encodeInputEvent));
}

describe('struct input_event (64-bit Linux, little-endian)', () => {
  it('is 24 bytes: tv_sec, tv_usec, type, code, value', () => {
    const buffer = encodeInputEvent({ seconds: 0x01020304, microseconds: 5, type: 1, code: 0x1e, value: -1 });
    expect(buffer).toHaveLength(INPUT_EVENT_SIZE);
    expect(buffer.toString('hex')).toBe('0403020100000000' + '0500000000000000' + '0100' + '1e00' + 'ffffffff');
    expect(decodeInputEvent(buffer)).toEqual({ seconds: 0x01020304, microseconds: 5, type: 1, code: 0x1e, value: -1 });
  });

  it.each<[string, InputEvent, boolean]>([
    ['a key press', keyA, true],
    ['a key repeat', { ...keyA, value: 2 }, true],
    ['SYN_REPORT', syn, true],
    ['SYN_DROPPED', { ...syn, code: 3 }, true],
    ['MSC_SCAN', scan, true],
    ['zero time (CLOCK_MONOTONIC right after boot)', { ...keyA, seconds: 0, microseconds: 0 }, true],
    ['a key value of 3', { ...keyA, value: 3 }, false],
    ['microseconds of a whole second', { ...keyA, microseconds: 1_000_000 }, false],
    ['negative seconds', { ...keyA, seconds: -1 }, false],
    ['an unknown event type', { ...keyA, type: 0x09 }, false],
    ['a key code past KEY_MAX', { ...keyA, code: 0x300 }, false],
    ['SYN with a value', { ...syn, value: 1 }, false],
  ])('plausible: %s -> %s', (_name, event, plausible) => {
    expect(isPlausibleInputEvent(event)).toBe(plausible);
  });
});

describe('InputEventParser', () => {
  function run(chunks: Buffer[]): { events: InputEvent[]; discarded: number[] } {
    const parser = new InputEventParser();
    const events: InputEvent[] = [];
    const discarded: number[] = [];
    for (const chunk of chunks) {
      const result = parser.push(chunk);
      events.push(...result.events);
      discarded.push(...result.discarded.map((run) => run.bytes.length));
      expect(parser.buffered).toBeLessThan(2 * INPUT_EVENT_SIZE);
    }
    return { events, discarded };
  }

  it('reads records from one chunk', () => {
    expect(run([bytes(scan, keyA, syn)]).events).toEqual([scan, keyA, syn]);
  });

  it('reads a record split at every offset', () => {
    const stream = bytes(keyA, syn);
    for (let cut = 1; cut < stream.length; cut += 1) {
      expect(run([stream.subarray(0, cut), stream.subarray(cut)]).events).toEqual([keyA, syn]);
    }
  });

  it('reads records fed one byte at a time', () => {
    const stream = bytes(scan, keyA, syn);
    expect(run([...stream].map((byte) => Buffer.from([byte]))).events).toEqual([scan, keyA, syn]);
  });

  it('skips junk between records and reports it', () => {
    const junk = Buffer.from('ffffffffff', 'hex');
    const result = run([Buffer.concat([bytes(keyA), junk, bytes(syn, keyA, syn)])]);
    expect(result.events).toEqual([keyA, syn, keyA, syn]);
    expect(result.discarded).toEqual([5]);
  });

  it('skips junk at the start', () => {
    const result = run([Buffer.concat([Buffer.from('deadbeef'.repeat(10), 'hex'), bytes(keyA, syn, keyA)])]);
    expect(result.events).toEqual([keyA, syn, keyA]);
    expect(result.discarded.reduce((a, b) => a + b, 0)).toBe(40);
  });

  it('flush() keeps a last whole record and drops a partial one', () => {
    const parser = new InputEventParser();
    const stream = Buffer.concat([bytes(keyA), Buffer.from([1, 2, 3])]);
    expect(parser.push(stream).events).toEqual([keyA]);
    const flushed = parser.flush();
    expect(flushed.events).toEqual([]);
    expect(flushed.discarded).toEqual([{ reason: 'truncated', bytes: Buffer.from([1, 2, 3]) }]);
  });
});

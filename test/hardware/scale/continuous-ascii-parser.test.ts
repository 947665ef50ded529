import { describe, expect, it } from 'vitest';
import { createContinuousDecoder, parseContinuousLine, type ContinuousFrame } from '../../../src/hardware/scale/continuous-ascii-parser.js';
import type { WeightUnit } from '../../../src/hardware/scale/units.js';

const line = (text: string): Buffer => Buffer.from(text, 'latin1');
const weight = (value: number, unit: WeightUnit, grams: number, decimals: number) => ({ value, unit, grams, decimals });

describe('parseContinuousLine', () => {
  it.each<[string, ContinuousFrame]>([
    ['ST,GS,+0001.250kg', { kind: 'weight', stability: 'stable', mode: 'gross', weight: weight(1.25, 'kg', 1250, 3) }],
    ['US,GS,+0001.180kg', { kind: 'weight', stability: 'unstable', mode: 'gross', weight: weight(1.18, 'kg', 1180, 3) }],
    ['ST,NT,-0000.020kg', { kind: 'weight', stability: 'stable', mode: 'net', weight: weight(-0.02, 'kg', -20, 3) }],
    ['US,NT,+0000.500kg', { kind: 'weight', stability: 'unstable', mode: 'net', weight: weight(0.5, 'kg', 500, 3) }],
    ['OL,GS,+9999.999kg', { kind: 'overload', mode: 'gross' }],
    ['OL,NT,   OL    kg', { kind: 'overload', mode: 'net' }],
    ['OL,GS', { kind: 'overload', mode: 'gross' }],
    ['ST,GS,+01250.0 g', { kind: 'weight', stability: 'stable', mode: 'gross', weight: weight(1250, 'g', 1250, 1) }],
    ['ST,GS,+  1250.0  g ', { kind: 'weight', stability: 'stable', mode: 'gross', weight: weight(1250, 'g', 1250, 1) }],
    ['ST,GS,+0002.756lb', { kind: 'weight', stability: 'stable', mode: 'gross', weight: weight(2.756, 'lb', 1250.100572, 3) }],
    ['ST,GS,+0044.100oz', { kind: 'weight', stability: 'stable', mode: 'gross', weight: weight(44.1, 'oz', 1250.21397, 3) }],
    ['ST,GS,+1250000mg', { kind: 'weight', stability: 'stable', mode: 'gross', weight: weight(1250000, 'mg', 1250, 0) }],
    ['ST,GS,+0001.250KG', { kind: 'weight', stability: 'stable', mode: 'gross', weight: weight(1.25, 'kg', 1250, 3) }],
    ['ST,+0001.250kg', { kind: 'weight', stability: 'stable', mode: 'unknown', weight: weight(1.25, 'kg', 1250, 3) }],
    ['GS,+0001.250kg', { kind: 'weight', stability: 'unknown', mode: 'gross', weight: weight(1.25, 'kg', 1250, 3) }],
    ['+0001.250kg', { kind: 'weight', stability: 'unknown', mode: 'unknown', weight: weight(1.25, 'kg', 1250, 3) }],
    ['0001.250 kg', { kind: 'weight', stability: 'unknown', mode: 'unknown', weight: weight(1.25, 'kg', 1250, 3) }],
  ])('%j', (text, frame) => {
    expect(parseContinuousLine(line(text))).toEqual({ ok: true, frame });
  });

  it.each([
    ['ST,GS,+0001.250ct', 'bad-unit'],
    ['ST,GS,+0001.250', 'bad-unit'],
    ['ST,GS,kg', 'bad-value'],
    ['ST,GS,', 'bad-value'],
    ['ST,GS,+00.01.250kg', 'bad-value'],
    ['ST,GS,+0001,250kg', 'malformed'],
    ['ST,GS,+1e3kg', 'malformed'],
    ['ST,GS,kg1.0', 'malformed'],
    ['XX,GS,+0001.250kg', 'bad-header'],
    ['GS,ST,+0001.250kg', 'bad-header'],
    ['ST,ST,+0001.250kg', 'bad-header'],
    ['st,gs,+0001.250kg', 'bad-header'],
    ['ST,GS,NT,+0001.250kg', 'malformed'],
    ['ST,GS,+0001.250kg\u0000', 'bad-byte'],
    ['ST,GS,+0001.250kg\u00e9', 'bad-byte'],
    ['ST,GS,\t+0001.250kg', 'bad-byte'],
  ])('%j is %s', (text, reason) => {
    expect(parseContinuousLine(line(text))).toEqual({ ok: false, reason });
  });
});

describe('continuous ASCII stream decoder', () => {
  const stable: ContinuousFrame = { kind: 'weight', stability: 'stable', mode: 'gross', weight: weight(1.25, 'kg', 1250, 3) };
  function decode(chunks: Array<string | Buffer>) {
    const decoder = createContinuousDecoder();
    const frames: ContinuousFrame[] = [];
    const rejected: string[] = [];
    for (const chunk of chunks) {
      const result = decoder.push(typeof chunk === 'string' ? line(chunk) : chunk);
      frames.push(...result.frames);
      rejected.push(...result.rejected.map((r) => r.reason));
    }
    return { frames, rejected, buffered: decoder.buffered };
  }

  it('reads a line split across chunks and two lines in one chunk', () => {
    expect(decode(['ST,G', 'S,+0001.2', '50kg\r', '\nST,GS,+0001.250kg\r\nST,GS,+0001.250kg\r\n']).frames).toEqual([stable, stable, stable]);
  });

  it('discards junk before a line, a bad value and an overlong line, and reads what follows', () => {
    const result = decode([Buffer.from([0xde, 0xad, 0x00]), 'ST,GS,+0001.250kg\r\nST,GS,+0X01.250kg\r\n', 'x'.repeat(300), '\r\nST,GS,+0001.250kg\r\n']);
    expect(result.frames).toEqual([stable, stable]);
    expect(result.rejected).toEqual(['noise', 'malformed', 'overlong', 'overlong']);
    expect(result.buffered).toBe(0);
  });

  it('flushes a last line that lost its line end', () => {
    const decoder = createContinuousDecoder();
    decoder.push(line('ST,GS,+0001.250kg'));
    expect(decoder.flush().frames).toEqual([stable]);
  });
});

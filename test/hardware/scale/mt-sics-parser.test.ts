import { describe, expect, it } from 'vitest';
import { createMtSicsDecoder, parseMtSicsLine } from '../../../src/hardware/scale/mt-sics-parser.js';
import type { MtSicsResponse } from '../../../src/hardware/scale/mt-sics-protocol.js';
import type { WeightUnit } from '../../../src/hardware/scale/units.js';

const line = (text: string): Buffer => Buffer.from(text, 'latin1');
const grams = (value: number, unit: WeightUnit, g: number, decimals: number) => ({ value, unit, grams: g, decimals });

describe('parseMtSicsLine: responses', () => {
  it.each<[string, MtSicsResponse]>([
    ['S S     100.00 g', { kind: 'weight', id: 'S', stable: true, weight: grams(100, 'g', 100, 2) }],
    ['S D     129.07 g', { kind: 'weight', id: 'S', stable: false, weight: grams(129.07, 'g', 129.07, 2) }],
    ['S S      -0.35 g', { kind: 'weight', id: 'S', stable: true, weight: grams(-0.35, 'g', -0.35, 2) }],
    ['S S      1.250 kg', { kind: 'weight', id: 'S', stable: true, weight: grams(1.25, 'kg', 1250, 3) }],
    ['S S      2.205 lb', { kind: 'weight', id: 'S', stable: true, weight: grams(2.205, 'lb', 1000.171176, 3) }],
    ['S D     12.000 oz', { kind: 'weight', id: 'S', stable: false, weight: grams(12, 'oz', 340.194278, 3) }],
    ['S S    1500000 mg', { kind: 'weight', id: 'S', stable: true, weight: grams(1500000, 'mg', 1500, 0) }],
    ['S S 5 g', { kind: 'weight', id: 'S', stable: true, weight: grams(5, 'g', 5, 0) }],
    ['S I', { kind: 'refused', id: 'S', reason: 'not-executable' }],
    ['S L', { kind: 'refused', id: 'S', reason: 'logical' }],
    ['S +', { kind: 'out-of-range', id: 'S', direction: 'over' }],
    ['S -', { kind: 'out-of-range', id: 'S', direction: 'under' }],
    ['T S     250.00 g', { kind: 'tare', id: 'T', stable: true, weight: grams(250, 'g', 250, 2) }],
    ['T I', { kind: 'refused', id: 'T', reason: 'not-executable' }],
    ['T +', { kind: 'out-of-range', id: 'T', direction: 'over' }],
    ['T -', { kind: 'out-of-range', id: 'T', direction: 'under' }],
    ['TI S     250.00 g', { kind: 'tare', id: 'TI', stable: true, weight: grams(250, 'g', 250, 2) }],
    ['TI D     251.40 g', { kind: 'tare', id: 'TI', stable: false, weight: grams(251.4, 'g', 251.4, 2) }],
    ['TI L', { kind: 'refused', id: 'TI', reason: 'logical' }],
    ['TI +', { kind: 'out-of-range', id: 'TI', direction: 'over' }],
    ['Z A', { kind: 'zeroed', id: 'Z', stable: true }],
    ['Z I', { kind: 'refused', id: 'Z', reason: 'not-executable' }],
    ['Z +', { kind: 'out-of-range', id: 'Z', direction: 'over' }],
    ['Z -', { kind: 'out-of-range', id: 'Z', direction: 'under' }],
    ['ZI S', { kind: 'zeroed', id: 'ZI', stable: true }],
    ['ZI D', { kind: 'zeroed', id: 'ZI', stable: false }],
    ['ZI A', { kind: 'zeroed', id: 'ZI', stable: undefined }],
    ['ZI I', { kind: 'refused', id: 'ZI', reason: 'not-executable' }],
    ['I4 A "B123456789"', { kind: 'serial-number', id: 'I4', serialNumber: 'B123456789' }],
    ['I4 A "SNR 0815 ÄÖ"', { kind: 'serial-number', id: 'I4', serialNumber: 'SNR 0815 ÄÖ' }],
    ['I4 I', { kind: 'refused', id: 'I4', reason: 'not-executable' }],
    ['ES', { kind: 'error', error: 'syntax' }],
    ['ET', { kind: 'error', error: 'transmission' }],
    ['EL', { kind: 'error', error: 'logical' }],
    ['  S S     100.00 g  ', { kind: 'weight', id: 'S', stable: true, weight: grams(100, 'g', 100, 2) }],
  ])('%j', (text, response) => {
    expect(parseMtSicsLine(line(text))).toEqual({ ok: true, frame: response });
  });
});

describe('parseMtSicsLine: problems', () => {
  it.each([
    ['S S     100.00 ct', 'bad-unit', 'S'],
    ['S S     100.00 N', 'bad-unit', 'S'],
    ['S S     1OO.00 g', 'bad-value', 'S'],
    ['S S     1e3 g', 'bad-value', 'S'],
    ['S S     -- g', 'bad-value', 'S'],
    ['S S     100.00', 'malformed', 'S'],
    ['S S     100.00 g extra', 'malformed', 'S'],
    ['S X     100.00 g', 'bad-status', 'S'],
    ['S A', 'bad-status', 'S'],
    ['S', 'malformed', 'S'],
    ['S I extra', 'malformed', 'S'],
    ['T D     100.00 g', 'bad-status', 'T'],
    ['T S', 'malformed', 'T'],
    ['Z A 5', 'malformed', 'Z'],
    ['Z S', 'bad-status', 'Z'],
    ['ZI X', 'bad-status', 'ZI'],
    ['I4 A', 'malformed', 'I4'],
    ['I4 A 123', 'malformed', 'I4'],
    ['I4 A ""', 'malformed', 'I4'],
    ['I4 A "unterminated', 'malformed', undefined],
    ['I4 B "x"', 'bad-status', 'I4'],
    ['ES extra', 'malformed', undefined],
    ['XYZ A', 'unknown-response', undefined],
    ['s s 100.00 g', 'unknown-response', undefined],
    ['I2 A "XS205 220.0 g"', 'unknown-response', undefined],
    ['S S\t100.00 g', 'bad-byte', undefined],
    ['S S 100.00 g\u0000', 'bad-byte', undefined],
    ['S S 100.00 \u00b5g', 'bad-byte', undefined],
    ['S S 100.00 g\u007f', 'bad-byte', undefined],
    ['I4 A "\u0085"', 'bad-byte', undefined],
    ['   ', 'malformed', undefined],
  ])('%j is %s', (text, reason, id) => {
    const result = parseMtSicsLine(line(text));
    expect(result).toEqual(id === undefined ? { ok: false, reason } : { ok: false, reason, id });
  });
});

describe('MT-SICS stream decoder', () => {
  function decode(chunks: Array<string | Buffer>): { frames: MtSicsResponse[]; rejected: Array<{ reason: string; text: string }>; buffered: number } {
    const decoder = createMtSicsDecoder();
    const frames: MtSicsResponse[] = [];
    const rejected: Array<{ reason: string; text: string }> = [];
    for (const chunk of chunks) {
      const result = decoder.push(typeof chunk === 'string' ? line(chunk) : chunk);
      frames.push(...result.frames);
      rejected.push(...result.rejected.map((r) => ({ reason: r.reason, text: r.bytes.toString('latin1') })));
    }
    return { frames, rejected, buffered: decoder.buffered };
  }
  const stable100: MtSicsResponse = { kind: 'weight', id: 'S', stable: true, weight: grams(100, 'g', 100, 2) };

  it('reads a response split across chunks', () => {
    expect(decode(['S S  ', '   100', '.00 g\r', '\n']).frames).toEqual([stable100]);
  });

  it('reads two responses in one chunk', () => {
    expect(decode(['S S     100.00 g\r\nZ A\r\n']).frames).toEqual([stable100, { kind: 'zeroed', id: 'Z', stable: true }]);
  });

  it('discards junk before a response and still reads it', () => {
    const result = decode([Buffer.from([0x00, 0xff, 0x13, 0x0d, 0x0a]), 'S S     100.00 g\r\n']);
    expect(result.frames).toEqual([stable100]);
    expect(result.rejected).toEqual([{ reason: 'noise', text: '\u0000\u00ff\u0013' }]);
  });

  it('sheds line noise in front of a response on the same line', () => {
    const result = decode([Buffer.from([0x00, 0xfe, 0x80]), 'S S     100.00 g\r\n']);
    expect(result.frames).toEqual([stable100]);
    expect(result.rejected).toEqual([{ reason: 'noise', text: '\u0000\u00fe\u0080' }]);
  });

  it('does not shed printable junk: the line is rejected, the next one read', () => {
    const result = decode(['x1S S     100.00 g\r\nS S     100.00 g\r\n']);
    expect(result.frames).toEqual([stable100]);
    expect(result.rejected).toEqual([{ reason: 'unknown-response', text: 'x1S S     100.00 g' }]);
  });

  it('rejects a bad value and reads the next response', () => {
    const result = decode(['S S     1X0.00 g\r\nS S     100.00 g\r\n']);
    expect(result.frames).toEqual([stable100]);
    expect(result.rejected).toEqual([{ reason: 'bad-value', text: 'S S     1X0.00 g' }]);
  });

  it('drops an overlong line without buffering it, then reads the next one', () => {
    const result = decode(['S S ' + '9'.repeat(500), '9'.repeat(500), ' g\r\nS S     100.00 g\r\n']);
    expect(result.frames).toEqual([stable100]);
    expect(result.rejected.every((r) => r.reason === 'overlong')).toBe(true);
    expect(result.buffered).toBe(0);
  });

  it('accepts lines ended by CR or LF alone, from a misconfigured scale', () => {
    expect(decode(['S S     100.00 g\rS S     100.00 g\n']).frames).toEqual([stable100, stable100]);
  });

  it('flushes a last response that lost its line end', () => {
    const decoder = createMtSicsDecoder();
    expect(decoder.push(line('Z A')).frames).toEqual([]);
    expect(decoder.flush().frames).toEqual([{ kind: 'zeroed', id: 'Z', stable: true }]);
    expect(decoder.flush().frames).toEqual([]);
    expect(decoder.buffered).toBe(0);
  });

  it('reports the response id of an unreadable answer so a driver can fail that command', () => {
    const result = createMtSicsDecoder().push(line('T S   12.00 ct\r\n'));
    expect(result.rejected[0]).toMatchObject({ reason: 'bad-unit', id: 'T' });
  });
});

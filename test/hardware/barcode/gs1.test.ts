import { describe, expect, it } from 'vitest';
import { GS, gs1CheckDigitValid, gs1Date, parseGs1 } from '../../../src/hardware/barcode/gs1.js';

const year = { referenceYear: 2026 };

describe('GS1 check digit (mod 10)', () => {
  it.each([
    ['GTIN-14', '09506000134352', true],
    ['GTIN-14, last digit off by one', '09506000134353', false],
    ['SSCC', '106141412345678908', true],
    ['SSCC, two digits swapped', '016141412345678908', false],
    ['GTIN-13', '4012345000009', true],
    ['GLN', '4012345000009', true],
    ['not digits', '0950600013435X', false],
    ['too short', '5', false],
  ])('%s: %s -> %s', (_name, digits, valid) => {
    expect(gs1CheckDigitValid(digits)).toBe(valid);
  });
});

describe('GS1 dates (YYMMDD, century rule, day 00)', () => {
  it.each([
    ['260315', 2026, '2026-03-15'],
    ['280229', 2026, '2028-02-29'],
    ['270229', 2026, undefined],
    ['260200', 2026, '2026-02-28'],
    ['991231', 2026, '1999-12-31'],
    ['760101', 2026, '2076-01-01'],
    ['770101', 2026, '1977-01-01'],
    ['011231', 2099, '2101-12-31'],
    ['261301', 2026, undefined],
    ['260132', 2026, undefined],
    ['2601', 2026, undefined],
  ])('%s in %i -> %s', (yymmdd, referenceYear, iso) => {
    expect(gs1Date(yymmdd, referenceYear)).toBe(iso);
  });
});

describe('parseGs1: element strings as transmitted', () => {
  it.each([
    ['SSCC alone', '00106141412345678908', [['00', '106141412345678908']]],
    ['GTIN, then a variable batch at the end', '0109506000134352' + '10ABC123', [['01', '09506000134352'], ['10', 'ABC123']]],
    [
      'variable batch ended by GS, then a date and a serial',
      `0109506000134352` + `10LOT7${GS}` + `17260331` + `21SN-0001`,
      [['01', '09506000134352'], ['10', 'LOT7'], ['17', '260331'], ['21', 'SN-0001']],
    ],
    ['AI 02 with count', `02095060001343520${''}` .slice(0, 16) + `378${GS}`, [['02', '09506000134352'], ['37', '8']]],
    ['a leading FNC1 and a trailing GS are ignored', `${GS}0109506000134352${GS}`, [['01', '09506000134352']]],
    ['a GS after a fixed-length field is tolerated', `0109506000134352${GS}10X`, [['01', '09506000134352'], ['10', 'X']]],
    ['dates 11, 13, 15, 17', '11260101' + '13260102' + '15260200' + '17261231', [['11', '260101'], ['13', '260102'], ['15', '260200'], ['17', '261231']]],
    ['net weight 3103', '0109506000134352' + '3103001250', [['01', '09506000134352'], ['3103', '001250']]],
    ['ship-to GLN then postal code', `4104012345000009` + `420100080`, [['410', '4012345000009'], ['420', '100080']]],
  ])('%s', (_name, data, expected) => {
    const result = parseGs1(data, year);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.elements.map((element) => [element.ai, element.value])).toEqual(expected);
  });

  it('gives dates in ISO form and titles', () => {
    const result = parseGs1('0109506000134352' + '17260200', year);
    expect(result).toEqual({
      ok: true,
      elements: [
        { ai: '01', title: 'GTIN', value: '09506000134352' },
        { ai: '17', title: 'USE BY or EXPIRY', value: '260200', date: '2026-02-28' },
      ],
    });
  });

  it.each([
    ['GTIN with a wrong check digit', '0109506000134353', { reason: 'check-digit', ai: '01', offset: 0 }],
    ['SSCC with a wrong check digit', '00106141412345678907', { reason: 'check-digit', ai: '00', offset: 0 }],
    ['GTIN cut short', '01095060001343', { reason: 'too-short', ai: '01', offset: 0 }],
    ['GTIN cut short by a GS', `010950600${GS}10X`, { reason: 'too-short', ai: '01', offset: 0 }],
    ['batch longer than 20', '10' + 'A'.repeat(21), { reason: 'too-long', ai: '10', offset: 0 }],
    ['empty batch', `10${GS}21X`, { reason: 'too-short', ai: '10', offset: 0 }],
    ['letters in a numeric AI', '0109506X00134352', { reason: 'bad-character', ai: '01', offset: 0 }],
    ['a character outside CSET 82 in a batch', '10AB#C', { reason: 'bad-character', ai: '10', offset: 0 }],
    ['month 13', '0109506000134352' + '17261301', { reason: 'bad-date', ai: '17', offset: 16 }],
    ['unknown AI after a good element', '0109506000134352' + '88123', { reason: 'unknown-ai', offset: 16 }],
    ['nothing but separators', `${GS}${GS}`, { reason: 'empty', offset: 0 }],
    ['empty', '', { reason: 'empty', offset: 0 }],
  ])('refuses %s', (_name, data, problem) => {
    expect(parseGs1(data, year)).toEqual({ ok: false, problem });
  });
});

describe('parseGs1: human-readable form', () => {
  it('reads (AI) value pairs', () => {
    const result = parseGs1('(01)09506000134352(17)260331(10)ABC(21)12345', year);
    expect(result.ok && result.elements.map((element) => [element.ai, element.value])).toEqual([
      ['01', '09506000134352'],
      ['17', '260331'],
      ['10', 'ABC'],
      ['21', '12345'],
    ]);
  });

  it.each([
    ['a wrong check digit', '(01)09506000134353', 'check-digit'],
    ['an unknown AI', '(88)123', 'unknown-ai'],
    ['text before the first AI', '(0109506000134352', 'unknown-ai'],
    ['a fixed field of the wrong length', '(01)0950600013435(10)A', 'too-short'],
  ])('refuses %s', (_name, data, reason) => {
    const result = parseGs1(data, year);
    expect(result.ok ? undefined : result.problem.reason).toBe(reason);
  });
});

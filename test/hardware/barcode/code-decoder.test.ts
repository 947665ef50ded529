import { describe, expect, it } from 'vitest';
import { compileDecodingRules, decodeCode } from '../../../src/hardware/barcode/code-decoder.js';
import { s10CheckDigitValid } from '../../../src/hardware/barcode/s10.js';
import { splitSymbology } from '../../../src/hardware/barcode/symbology.js';
import { BarcodeDecodingConfig } from '../../../src/ops/config/barcode-config.js';

const GS = '\u001d';
const defaults = compileDecodingRules(BarcodeDecodingConfig.parse({}));
const decode = (code: string, rules = defaults) => decodeCode(code, rules, { referenceYear: 2026 });

describe('AIM symbology identifiers', () => {
  it.each([
    [']C1011234', ']C1', true, '011234'],
    [']d2010950', ']d2', true, '010950'],
    [']Q3010950', ']Q3', true, '010950'],
    [']e0010950', ']e0', true, '010950'],
    [']Q1KC-AAAA-BBBB', ']Q1', false, 'KC-AAAA-BBBB'],
    [']C0SF1234', ']C0', false, 'SF1234'],
  ])('%s -> %s', (code, id, gs1, data) => {
    expect(splitSymbology(code)).toEqual({ symbology: { id, gs1 }, data });
  });

  it.each(['SF1400039871234', ']', ']C', '] C1', ''])('%j has none', (code) => {
    expect(splitSymbology(code)).toEqual({ data: code });
  });
});

describe('UPU S10 check digit', () => {
  it.each([
    ['RR473124829GB', true],
    ['EA123456785CN', true],
    ['EA123456784CN', false],
    ['EA12345678CN', false],
  ])('%s -> %s', (id, valid) => expect(s10CheckDigitValid(id)).toBe(valid));
});

describe('decodeCode with the default rules', () => {
  it.each([
    ['SF1400039871234', 'waybill', { carrier: 'sf-express' }],
    ['JDVA12345678901', 'waybill', { carrier: 'jd-logistics' }],
    ['YT1234567890123', 'waybill', { carrier: 'yto' }],
    ['JT1234567890123', 'waybill', { carrier: 'jt-express' }],
    ['731234567890', 'waybill', { carrier: 'zto' }],
    ['75123456789012', 'waybill', { carrier: 'zto' }],
    ['7712345678901', 'waybill', { carrier: 'sto' }],
    ['EA123456785CN', 'waybill', { carrier: 'ems' }],
    ['RA987654326CN', 'waybill', { carrier: 'china-post' }],
    ['EA123456784CN', 'unknown', { waybillProblem: { carrier: 'ems', reason: 'check-digit' } }],
    ['KC-7Q2M-91XZ', 'consumer-session', { session: 'KC-7Q2M-91XZ' }],
    ['https://app.example.cn/s/KC-7Q2M-91XZ', 'consumer-session', { session: 'KC-7Q2M-91XZ' }],
    [']Q1KC-P4D8-22LA', 'consumer-session', { session: 'KC-P4D8-22LA', symbology: { id: ']Q1', gs1: false } }],
    ['http://app.example.cn/s/KC-7Q2M-91XZ', 'unknown', {}],
    ['KC-7Q2M-91XZ-EXTRA', 'unknown', {}],
    ['kc-7q2m-91xz', 'unknown', {}],
    ['KS-AB12CD34', 'staff', { staff: 'AB12CD34' }],
    [`]C1010950600013435210LOT7${GS}17260331`, 'gs1', {}],
    [']C100106141412345678908', 'gs1', {}],
    [']C10109506000134353', 'unknown', { gs1Problem: { reason: 'check-digit', ai: '01', offset: 0 } }],
    [']d2SF1400039871234', 'unknown', { gs1Problem: { reason: 'unknown-ai', offset: 0 } }],
    ['0109506000134352', 'gs1', {}],
    [`0109506000134352${GS}`, 'gs1', {}],
    ['(01)09506000134352(10)ABC', 'gs1', {}],
    ['(01)09506000134353', 'unknown', { gs1Problem: { reason: 'check-digit', ai: '01', offset: 0 } }],
    ['1012345678901', 'unknown', {}],
    ['6901234567892', 'unknown', {}],
    ['hello world', 'unknown', {}],
  ])('%j -> %s', (code, kind, details) => {
    const decoded = decode(code);
    expect(decoded.kind).toBe(kind);
    expect(decoded).toMatchObject(details);
  });

  it('gives the GS1 elements', () => {
    const decoded = decode(`]C1010950600013435210LOT7${GS}17260331`);
    expect(decoded).toEqual({
      kind: 'gs1',
      data: `010950600013435210LOT7${GS}17260331`,
      symbology: { id: ']C1', gs1: true },
      elements: [
        { ai: '01', title: 'GTIN', value: '09506000134352' },
        { ai: '10', title: 'BATCH/LOT', value: 'LOT7' },
        { ai: '17', title: 'USE BY or EXPIRY', value: '260331', date: '2026-03-31' },
      ],
    });
  });
});

describe('decodeCode with a station’s own rules', () => {
  const rules = compileDecodingRules(
    BarcodeDecodingConfig.parse({
      waybillPatterns: [
        { carrier: 'first', pattern: '\\d{12}' },
        { carrier: 'second', pattern: '7\\d{11}' },
      ],
      consumerSessionPattern: '^https://recycle\\.example/v/(?<session>[0-9a-f]{8})$',
      staffPattern: 'STAFF\\d{4}',
      gs1WithoutSymbologyId: false,
    }),
  );

  it('takes the first waybill pattern that matches the whole code', () => {
    expect(decode('712345678901', rules)).toMatchObject({ kind: 'waybill', carrier: 'first' });
    expect(decode('7123456789012', rules).kind).toBe('unknown');
  });

  it('picks the session out of a URL with the named group; patterns with their own anchors still work', () => {
    expect(decode('https://recycle.example/v/0badcafe', rules)).toMatchObject({ kind: 'consumer-session', session: '0badcafe' });
  });

  it('uses the whole code when a pattern has no named group', () => {
    expect(decode('STAFF0042', rules)).toMatchObject({ kind: 'staff', staff: 'STAFF0042' });
  });

  it('leaves GS1 without identifier alone when told to, but still honours ]C1', () => {
    expect(decode('0109506000134352', rules).kind).toBe('unknown');
    expect(decode(']C10109506000134352', rules).kind).toBe('gs1');
  });

  it('puts a session code before a staff code and a waybill when patterns overlap', () => {
    const overlapping = compileDecodingRules(
      BarcodeDecodingConfig.parse({ waybillPatterns: [{ carrier: 'x', pattern: '.*' }], consumerSessionPattern: 'A.*', staffPattern: 'AB.*' }),
    );
    expect(decode('ABC', overlapping).kind).toBe('consumer-session');
    expect(decode('BC', overlapping).kind).toBe('waybill');
  });
});

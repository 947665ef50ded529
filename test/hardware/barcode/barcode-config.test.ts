import { describe, expect, it } from 'vitest';
import { BarcodeConfig, DEFAULT_WAYBILL_PATTERNS } from '../../../src/ops/config/barcode-config.js';

describe('BarcodeConfig', () => {
  it('fills every default for the simulated kind', () => {
    expect(BarcodeConfig.parse({ kind: 'simulated' })).toEqual({
      kind: 'simulated',
      mode: 'serial',
      suffix: 'CR',
      interByteTimeoutMs: 100,
      duplicateWindowMs: 1500,
      maxCodeLength: 512,
      reconnect: { initialMs: 250, maxMs: 5000 },
      decoding: {
        waybillPatterns: DEFAULT_WAYBILL_PATTERNS,
        consumerSessionPattern: expect.any(String),
        staffPattern: expect.any(String),
        gs1WithoutSymbologyId: true,
      },
    });
  });

  it('keeps a serial config that names only the path valid', () => {
    expect(BarcodeConfig.parse({ kind: 'serial', path: '/dev/ttyACM0' })).toMatchObject({ baudRate: 9600, suffix: 'CR', interByteTimeoutMs: 100 });
  });

  it('grabs HID scanners by default', () => {
    expect(BarcodeConfig.parse({ kind: 'hid', path: '/dev/input/event3' })).toMatchObject({ grab: true, duplicateWindowMs: 1500 });
  });

  it('fills decoding defaults around what a station sets', () => {
    const config = BarcodeConfig.parse({ kind: 'simulated', decoding: { staffPattern: 'ADMIN-\\d{4}' } });
    expect(config.decoding.staffPattern).toBe('ADMIN-\\d{4}');
    expect(config.decoding.waybillPatterns).toEqual(DEFAULT_WAYBILL_PATTERNS);
  });

  it.each([
    ['a broken regular expression', { kind: 'simulated', decoding: { consumerSessionPattern: 'KC-(' } }, ['decoding', 'consumerSessionPattern']],
    ['a broken waybill pattern', { kind: 'simulated', decoding: { waybillPatterns: [{ carrier: 'x', pattern: '[' }] } }, ['decoding', 'waybillPatterns', 0, 'pattern']],
    ['an unknown check digit scheme', { kind: 'simulated', decoding: { waybillPatterns: [{ carrier: 'x', pattern: 'X', checkDigit: 'luhn' }] } }, ['decoding', 'waybillPatterns', 0, 'checkDigit']],
    ['a suffix that is not CR, LF or CRLF', { kind: 'serial', path: '/dev/ttyACM0', suffix: 'TAB' }, ['suffix']],
    ['a code length past what events carry', { kind: 'hid', path: '/dev/input/event3', maxCodeLength: 4096 }, ['maxCodeLength']],
    ['an unknown field', { kind: 'hid', path: '/dev/input/event3', grabbed: true }, []],
    ['an unknown mode', { kind: 'simulated', mode: 'bluetooth' }, ['mode']],
  ])('refuses %s, naming the field', (_name, input, path) => {
    const result = BarcodeConfig.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(path);
  });
});

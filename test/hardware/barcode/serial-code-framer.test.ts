import { describe, expect, it } from 'vitest';
import { SerialCodeFramer, validateCode } from '../../../src/hardware/barcode/serial-code-framer.js';
import type { BarcodeSuffix } from '../../../src/ops/config/barcode-config.js';

function run(suffix: BarcodeSuffix, chunks: Array<string | Buffer>, maxLength = 32): { codes: string[]; bad: string[] } {
  const framer = new SerialCodeFramer({ suffix, maxLength });
  const codes: string[] = [];
  const bad: string[] = [];
  for (const chunk of chunks) {
    const result = framer.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
    codes.push(...result.codes);
    bad.push(...result.bad.map((frame) => frame.reason));
  }
  return { codes, bad };
}

describe('SerialCodeFramer', () => {
  it.each<[string, BarcodeSuffix, Array<string | Buffer>, string[], string[]]>([
    ['CR: one code', 'CR', ['SF1400039871234\r'], ['SF1400039871234'], []],
    ['LF: one code', 'LF', ['SF1400039871234\n'], ['SF1400039871234'], []],
    ['CRLF: one code', 'CRLF', ['SF1400039871234\r\n'], ['SF1400039871234'], []],
    ['a code split across chunks', 'CR', ['SF14', '0003', '9871234', '\r'], ['SF1400039871234'], []],
    ['CRLF split between CR and LF', 'CRLF', ['A1\r', '\nB2\r\n'], ['A1', 'B2'], []],
    ['two codes in one chunk', 'CR', ['A1\rB2\r'], ['A1', 'B2'], []],
    ['a partial code waits for its suffix', 'CR', ['A1\rB2'], ['A1'], []],
    ['an LF inside a code stays under CR framing (multi-line QR)', 'CR', ['line one\nline two\r'], ['line one\nline two'], []],
    ['a CRLF scanner on a CR driver still gives clean codes', 'CR', ['A1\r\nB2\r\n'], ['A1', 'B2'], []],
    ['empty lines are skipped silently', 'CRLF', ['\r\n\r\nA1\r\n'], ['A1'], []],
    ['GS1 separators are kept', 'CR', [']C1010950600013435210AB\u001d17260331\r'], [']C1010950600013435210AB\u001d17260331'], []],
    ['UTF-8 text is decoded', 'CR', [Buffer.from('回收-ÄÖ\r', 'utf8')], ['回收-ÄÖ'], []],
    ['a UTF-8 character split across chunks', 'CR', [Buffer.from([0xe5, 0x9b]), Buffer.from([0x9e, 0x0d])], ['回'], []],
    ['invalid UTF-8 is a bad frame, the next code still parses', 'CR', [Buffer.from([0x41, 0xff, 0xfe, 0x0d]), 'B2\r'], ['B2'], ['invalid-utf8']],
    ['a NUL in a code is a bad frame', 'CR', ['A\u0000B\rB2\r'], ['B2'], ['control-character']],
    ['junk control bytes before a code make that frame bad', 'CR', ['\u0001\u0002\u0003\rSF1400039871234\r'], ['SF1400039871234'], ['control-character']],
    ['an overlong code is dropped, the next one kept', 'CR', ['9'.repeat(40) + '\rA1\r'], ['A1'], ['overlong']],
    ['an endless line is dropped in pieces, then the next code kept', 'LF', ['x'.repeat(50), 'y'.repeat(50), '\nA1\n'], ['A1'], ['overlong', 'overlong']],
    [
      'CRLF: an overlong run whose chunk ends in the CR does not swallow the next code',
      'CRLF',
      ['9'.repeat(40), '9'.repeat(34) + '\r', '\nA1\r\n'],
      ['A1'],
      ['overlong', 'overlong'],
    ],
  ])('%s', (_name, suffix, chunks, codes, bad) => {
    const result = run(suffix, chunks);
    expect(result.codes).toEqual(codes);
    expect(result.bad).toEqual(bad);
  });

  it('flush() delivers a code that never got its suffix (inter-byte timeout)', () => {
    const framer = new SerialCodeFramer({ suffix: 'CR', maxLength: 32 });
    expect(framer.push(Buffer.from('SF1400039871234')).codes).toEqual([]);
    expect(framer.flush()).toEqual({ codes: ['SF1400039871234'], bad: [] });
    expect(framer.flush()).toEqual({ codes: [], bad: [] });
  });

  it('flush() strips half a CRLF suffix', () => {
    const framer = new SerialCodeFramer({ suffix: 'CRLF', maxLength: 32 });
    framer.push(Buffer.from('A1\r'));
    expect(framer.flush().codes).toEqual(['A1']);
  });

  it('flush() after the start of an overlong line reports it instead of a code', () => {
    const framer = new SerialCodeFramer({ suffix: 'CR', maxLength: 8 });
    framer.push(Buffer.from('x'.repeat(20)));
    framer.push(Buffer.from('yyy'));
    const result = framer.flush();
    expect(result.codes).toEqual([]);
    expect(result.bad.map((frame) => [frame.reason, frame.length])).toEqual([['overlong', 3]]);
  });

  it('reset() drops what is buffered and says how much', () => {
    const framer = new SerialCodeFramer({ suffix: 'CR', maxLength: 32 });
    framer.push(Buffer.from('half'));
    expect(framer.reset()).toBe(4);
    expect(framer.push(Buffer.from('A1\r')).codes).toEqual(['A1']);
  });
});

describe('validateCode', () => {
  it.each([
    ['TAB, GS, RS, EOT are allowed', 'a\tb\u001dc\u001ed\u0004', true],
    ['DEL is refused', 'ab\u007f', false],
    ['a C1 control is refused', 'ab\u0085', false],
    ['ESC is refused', '\u001b[2J', false],
  ])('%s', (_name, text, ok) => {
    const result = validateCode(Buffer.from(text, 'utf8'));
    expect(result !== undefined && 'code' in result).toBe(ok);
  });

  it('ignores a line of nothing but line breaks', () => {
    expect(validateCode(Buffer.from('\r\n\n'))).toBeUndefined();
  });
});

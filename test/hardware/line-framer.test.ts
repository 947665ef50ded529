import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineFramer } from '../../src/hardware/serial/line-framer.js';

const CRLF = Buffer.from('\r\n');
const CR = Buffer.from('\r');
const LF = Buffer.from('\n');

function run(chunks: string[], options = { delimiters: [CRLF], maxLength: 16 }): { lines: string[]; discarded: string[] } {
  const framer = new LineFramer(options);
  const lines: string[] = [];
  const discarded: string[] = [];
  for (const chunk of chunks) {
    const result = framer.push(Buffer.from(chunk, 'latin1'));
    lines.push(...result.lines.map((l) => l.toString('latin1')));
    discarded.push(...result.discarded.map((d) => d.bytes.toString('latin1')));
  }
  return { lines, discarded };
}

describe('LineFramer', () => {
  it.each([
    ['one line in one chunk', ['S S 1.0 g\r\n'], ['S S 1.0 g'], []],
    ['a line split across chunks', ['S S ', '1.0', ' g\r', '\n'], ['S S 1.0 g'], []],
    ['two lines in one chunk', ['A\r\nB\r\n'], ['A', 'B'], []],
    ['a partial line waits', ['A\r\nB'], ['A'], []],
    ['a lone CR is data under CRLF framing', ['A\rB\r\n'], ['A\rB'], []],
    ['an overlong line is dropped, the next one kept', ['0123456789abcdefXYZ\r\nok\r\n'], ['ok'], ['0123456789abcdefXYZ']],
    ['an endless line is dropped in pieces, the next one kept', ['x'.repeat(40), 'y'.repeat(40), '\r\nok\r\n'], ['ok'], ['x'.repeat(40), 'y'.repeat(40)]],
    ['empty lines are lines', ['\r\n\r\n'], ['', ''], []],
    ['an overlong run cut at the CR of its CRLF does not swallow the next line', ['9'.repeat(40), '9'.repeat(34) + '\r', '\nA1\r\n'], ['A1'], ['9'.repeat(74)]],
  ])('%s', (_name, chunks, lines, discarded) => {
    const result = run(chunks);
    expect(result.lines).toEqual(lines);
    expect(result.discarded.join('')).toEqual(discarded.join(''));
  });

  it('accepts CR, LF or CRLF when given [CR, LF], yielding empty lines for CRLF', () => {
    expect(run(['A\rB\nC\r\n'], { delimiters: [CR, LF], maxLength: 16 }).lines).toEqual(['A', 'B', 'C', '']);
  });

  it('flushes a pending line (inter-byte timeout) unless it was overlong', () => {
    const framer = new LineFramer({ delimiters: [CR], maxLength: 8 });
    framer.push(Buffer.from('ABC'));
    expect(framer.flush()?.toString()).toBe('ABC');
    expect(framer.flush()).toBeUndefined();
    framer.push(Buffer.from('x'.repeat(20)));
    expect(framer.flush()).toBeUndefined();
  });

  it('yields the same lines however the stream is chunked, and keeps its buffer bounded', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b).toString('latin1'))), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 10 }),
        (pieces, cuts) => {
          const stream = pieces.map((p) => `${p}\r\n`).join('');
          const whole = run([stream]);
          const chunks: string[] = [];
          for (let offset = 0, i = 0; offset < stream.length; i += 1) {
            const size = cuts[i % cuts.length]!;
            chunks.push(stream.slice(offset, offset + size));
            offset += size;
          }
          const framer = new LineFramer({ delimiters: [CRLF], maxLength: 16 });
          const lines: string[] = [];
          for (const chunk of chunks) {
            lines.push(...framer.push(Buffer.from(chunk, 'latin1')).lines.map((l) => l.toString('latin1')));
            expect(framer.buffered).toBeLessThanOrEqual(16 + 2 + 17);
          }
          expect(lines).toEqual(whole.lines);
        },
      ),
      { seed: 20261123, numRuns: 300 },
    );
  });
});

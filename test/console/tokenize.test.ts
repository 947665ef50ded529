import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteWord, tokenize } from '../../src/console/tokenize.js';

describe('tokenize', () => {
  it.each([
    ['', []],
    ['   ', []],
    ['status', ['status']],
    ['  logs   tail 5 ', ['logs', 'tail', '5']],
    ['config set broker.url "mqtts://a b"', ['config', 'set', 'broker.url', 'mqtts://a b']],
    ["say 'it''s'", ['say', 'its']],
    ["say 'a \"b\" c'", ['say', 'a "b" c']],
    ['say "a \\"b\\" \\\\ \\n"', ['say', 'a "b" \\ \\n']],
    ['say a\\ b', ['say', 'a b']],
    ['say ""', ['say', '']],
    ['say a"b c"d', ['say', 'ab cd']],
    ['a\tb', ['a', 'b']],
  ])('%j', (line, words) => {
    expect(tokenize(line)).toEqual({ ok: true, words });
  });

  it.each([
    ['say "open', 'unterminated double quote'],
    ["say 'open", 'unterminated single quote'],
    ['say end\\', 'line ends with a lone backslash'],
  ])('refuses %j', (line, error) => {
    expect(tokenize(line)).toEqual({ ok: false, error });
  });

  it('gives back any words quoted with quoteWord (fuzzed, fixed seed)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }), { maxLength: 8 }), (words) => {
        expect(tokenize(words.map(quoteWord).join(' '))).toEqual({ ok: true, words });
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('never throws on any line (fuzzed, fixed seed)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (line) => void tokenize(line)), { seed: 7, numRuns: 500 });
  });
});

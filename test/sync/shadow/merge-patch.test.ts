import { describe, expect, it } from 'vitest';
import { mergePatch } from '../../../src/sync/shadow/merge-patch.js';

describe('JSON merge patch (RFC 7396)', () => {
  // Appendix A of RFC 7396, every example.
  const examples: Array<[unknown, unknown, unknown]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];

  it.each(examples)('%j + %j = %j', (target, patch, result) => {
    expect(mergePatch(target, patch)).toEqual(result);
  });

  it('never changes its inputs', () => {
    const target = { deposit: { minConfidence: 0.6, minItemGrams: 5 } };
    const patch = { deposit: { minConfidence: 0.7 } };
    mergePatch(target, patch);
    expect(target).toEqual({ deposit: { minConfidence: 0.6, minItemGrams: 5 } });
    expect(patch).toEqual({ deposit: { minConfidence: 0.7 } });
  });

  it('keeps a "__proto__" key a plain key (no prototype change)', () => {
    const merged = mergePatch({}, JSON.parse('{"routes":{"__proto__":{"polluted":true}}}')) as { routes: Record<string, unknown> };
    expect(Object.keys(merged.routes)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(merged.routes)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

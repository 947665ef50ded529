import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/ops/backoff.js';

describe('Backoff (exponential, full jitter)', () => {
  it('doubles the window each attempt up to the cap', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0.999999);
    expect(Array.from({ length: 6 }, () => backoff.next())).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('draws uniformly from zero to the window, so a fleet spreads out', () => {
    const draws = [0, 0.25, 0.5];
    const backoff = new Backoff({ initialMs: 1000, maxMs: 60_000 }, () => draws.shift() ?? 0);
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([0, 500, 2000]);
  });

  it('spreads many kiosks across the whole window', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const delays = Array.from({ length: 1000 }, () => {
      const backoff = new Backoff({ initialMs: 1000, maxMs: 8000 }, random);
      backoff.next();
      backoff.next();
      backoff.next();
      return backoff.next();
    });
    const buckets = [0, 0, 0, 0];
    for (const d of delays) buckets[Math.min(3, Math.floor(d / 2000))]! += 1;
    for (const count of buckets) expect(count).toBeGreaterThan(150);
  });

  it('starts over after reset', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0.5);
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(50);
  });
});

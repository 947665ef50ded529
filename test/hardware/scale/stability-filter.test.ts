import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SAMPLES, StabilityFilter } from '../../../src/hardware/scale/stability-filter.js';

const settings = { readings: 5, toleranceGrams: 2, windowMs: 400 };

/** Feeds [grams, atMs] pairs and returns the verdict after each. */
function run(samples: Array<[number, number]>, options = settings): boolean[] {
  const filter = new StabilityFilter(options);
  return samples.map(([grams, at]) => filter.push(grams, at));
}

describe('StabilityFilter', () => {
  it('is stable once N readings stayed within tolerance for the whole window', () => {
    const verdicts = run([
      [100, 0],
      [100.5, 100],
      [99.5, 200],
      [101, 300],
      [100, 400],
      [100.2, 500],
    ]);
    expect(verdicts).toEqual([false, false, false, false, true, true]);
  });

  it('needs the window: many readings in a short time are not enough', () => {
    const samples: Array<[number, number]> = Array.from({ length: 50 }, (_, i) => [100, i * 5]);
    expect(run(samples).at(-1)).toBe(false); // 245 ms < 400 ms
    expect(run([...samples, [100, 400]]).at(-1)).toBe(true);
  });

  it('needs the readings: a long gap between two readings is not enough', () => {
    expect(run([
      [100, 0],
      [100, 1000],
    ])).toEqual([false, false]);
  });

  it('restarts the run when a reading leaves the band, keeping the recent readings that fit', () => {
    const verdicts = run([
      [100, 0],
      [100, 100],
      [100, 200],
      [100, 300],
      [100, 400], // stable
      [103, 500], // out of the 2 g band: the run is now [103]
      [103, 600],
      [102, 700],
      [103, 800],
      [102.5, 900], // 4 readings over 400 ms from 500 … 900: 5 readings, 400 ms
    ]);
    expect(verdicts).toEqual([false, false, false, false, true, false, false, false, false, true]);
  });

  it('judges a swinging load unstable however long it swings', () => {
    const samples: Array<[number, number]> = Array.from({ length: 100 }, (_, i) => [500 + (i % 2 === 0 ? 3 : -3), i * 50]);
    expect(run(samples).some(Boolean)).toBe(false);
  });

  it('treats the tolerance as inclusive, despite binary fractions', () => {
    const verdicts = run(
      [
        [100.0, 0],
        [100.2, 100],
        [100.0, 200],
      ],
      { readings: 3, toleranceGrams: 0.2, windowMs: 200 },
    );
    expect(verdicts.at(-1)).toBe(true);
  });

  it('forgets on reset, on a non-finite reading and on a clock going backwards', () => {
    const filter = new StabilityFilter({ readings: 2, toleranceGrams: 1, windowMs: 100 });
    filter.push(10, 0);
    expect(filter.push(10, 100)).toBe(true);
    filter.reset();
    expect(filter.push(10, 200)).toBe(false);
    expect(filter.push(Number.NaN, 300)).toBe(false);
    expect(filter.size).toBe(0);
    filter.push(10, 400);
    expect(filter.push(10, 50)).toBe(false);
  });

  it('keeps its memory bounded however fast readings come', () => {
    const filter = new StabilityFilter({ readings: 2, toleranceGrams: 1, windowMs: 10_000 });
    for (let i = 0; i < MAX_SAMPLES * 3; i += 1) filter.push(1, i);
    expect(filter.size).toBeLessThanOrEqual(MAX_SAMPLES);
  });

  it('agrees with a brute-force definition on random input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 95, max: 105, noNaN: true }), fc.integer({ min: 0, max: 150 })), { maxLength: 60 }),
        (steps) => {
          const filter = new StabilityFilter(settings);
          const history: Array<{ grams: number; at: number }> = [];
          let at = 0;
          for (const [grams, delta] of steps) {
            at += delta;
            history.push({ grams, at });
            // Brute force: the longest suffix within the band.
            let start = history.length - 1;
            let low = grams;
            let high = grams;
            while (start > 0) {
              const previous = history[start - 1]!.grams;
              if (Math.max(high, previous) - Math.min(low, previous) > settings.toleranceGrams + 1e-9) break;
              low = Math.min(low, previous);
              high = Math.max(high, previous);
              start -= 1;
            }
            const run = history.slice(start);
            const expected = run.length >= settings.readings && at - run[0]!.at >= settings.windowMs;
            expect(filter.push(grams, at)).toBe(expected);
          }
        },
      ),
      { seed: 4242, numRuns: 300 },
    );
  });
});

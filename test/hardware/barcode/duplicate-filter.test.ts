import { describe, expect, it } from 'vitest';
import { DuplicateFilter } from '../../../src/hardware/barcode/duplicate-filter.js';

/** Feeds [code, timeMs] sightings and returns which were accepted. */
function run(windowMs: number, sightings: Array<[string, number]>, maxEntries?: number): boolean[] {
  const filter = new DuplicateFilter(windowMs, maxEntries);
  return sightings.map(([code, at]) => filter.accept(code, at));
}

describe('DuplicateFilter', () => {
  it.each<[string, number, Array<[string, number]>, boolean[]]>([
    ['the first sighting passes', 1000, [['A', 0]], [true]],
    ['a repeat inside the window is dropped', 1000, [['A', 0], ['A', 999]], [true, false]],
    ['a repeat exactly one window later passes', 1000, [['A', 0], ['A', 1000]], [true, true]],
    ['different codes do not suppress each other', 1000, [['A', 0], ['B', 10], ['A', 20], ['B', 30]], [true, true, false, false]],
    [
      'the window slides with every sighting: a code held in front of the scanner counts once',
      1000,
      [['A', 0], ['A', 600], ['A', 1200], ['A', 1800], ['A', 2900]],
      [true, false, false, false, true],
    ],
    ['window 0 passes everything', 0, [['A', 0], ['A', 0], ['A', 1]], [true, true, true]],
  ])('%s', (_name, windowMs, sightings, expected) => {
    expect(run(windowMs, sightings)).toEqual(expected);
  });

  it('remembers at most maxEntries codes, forgetting the least recently seen', () => {
    const filter = new DuplicateFilter(10_000, 3);
    for (const code of ['A', 'B', 'C', 'D']) expect(filter.accept(code, 0)).toBe(true);
    expect(filter.size).toBe(3);
    expect(filter.accept('A', 1)).toBe(true);
    expect(filter.accept('D', 2)).toBe(false);
  });

  it('forgets codes whose window has passed', () => {
    const filter = new DuplicateFilter(100);
    for (let i = 0; i < 50; i += 1) filter.accept(`code-${i}`, i);
    filter.accept('late', 500);
    expect(filter.size).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SortInSlices } from './sort-in-slices';

const byKey = (a: readonly [number, number], b: readonly [number, number]) => a[0] - b[0];

describe('SortInSlices', () => {
  it('gives what one sort gives, stable, after one call per run and one to merge', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.nat()), { maxLength: 200 }),
        fc.integer({ min: 1, max: 50 }),
        (items, slice) => {
          const expected = items.slice().sort(byKey); // Array.prototype.sort is stable
          const sorter = new SortInSlices(items.slice(), byKey, slice);
          const runs = Math.max(1, Math.ceil(items.length / slice));
          let calls = 0;
          let sorted: (readonly [number, number])[] | undefined;
          while (sorted === undefined) {
            sorted = sorter.step();
            calls++;
          }
          expect(sorted).toEqual(expected);
          expect(calls).toBe(runs === 1 ? 1 : runs + 1);
        },
      ),
      { numRuns: 300, seed: 21 },
    );
  });

  it('refuses a slice below one', () => {
    expect(() => new SortInSlices([], byKey, 0)).toThrow(/at least 1/);
  });
});

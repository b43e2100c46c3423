/**
 * Sorts a large array a slice per call, so that a member taking a snapshot of a large state does not
 * stall for the whole sort at once: each `step()` sorts the next run of `slice` items, and the call after
 * the last run merges the runs (one comparison per run per item). An array of one run is sorted and
 * returned by the first call, exactly as `Array.prototype.sort` would give it.
 */
export class SortInSlices<T> {
  /** Where each sorted run starts; the runs so far cover `items[0, sortedUpTo)`. */
  private readonly runStarts: number[] = [];
  private sortedUpTo = 0;

  constructor(
    private readonly items: T[],
    private readonly compare: (a: T, b: T) => number,
    private readonly slice: number,
  ) {
    if (!(slice >= 1)) throw new RangeError(`SortInSlices: slice must be at least 1, got ${slice}`);
  }

  /** Does one slice of the work; the sorted array once it is all done (the same array, reordered). */
  step(): T[] | undefined {
    const items = this.items;
    if (this.sortedUpTo < items.length) {
      const start = this.sortedUpTo;
      const end = Math.min(items.length, start + this.slice);
      const run = items.slice(start, end).sort(this.compare);
      for (let k = 0; k < run.length; k++) items[start + k] = run[k] as T;
      this.runStarts.push(start);
      this.sortedUpTo = end;
      if (end < items.length) return undefined;
      if (this.runStarts.length === 1) return items;
      return undefined; // the merge is the next call's work
    }
    return this.merge();
  }

  /** Merges the sorted runs into `items`; ties keep the order of their runs, so the sort is stable. */
  private merge(): T[] {
    const items = this.items;
    if (this.runStarts.length <= 1) return items;
    const runs = this.runStarts.length;
    const heads = this.runStarts.slice();
    const ends = this.runStarts.slice(1);
    ends.push(items.length);
    const source = items.slice();
    for (let out = 0; out < items.length; out++) {
      let best = -1;
      for (let r = 0; r < runs; r++) {
        if ((heads[r] as number) >= (ends[r] as number)) continue;
        if (best < 0 || this.compare(source[heads[r] as number] as T, source[heads[best] as number] as T) < 0)
          best = r;
      }
      items[out] = source[heads[best] as number] as T;
      heads[best] = (heads[best] as number) + 1;
    }
    this.runStarts.length = 1;
    return items;
  }
}

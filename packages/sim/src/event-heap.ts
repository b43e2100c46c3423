/**
 * A 4-ary min-heap ordered by (time, sequence number): the EventQueue keeps the events beyond its
 * calendar window here (far timers, and everything when the times are too spread for buckets).
 * The caller supplies the sequence number, so an event keeps its place among equal times when it
 * moves between the heap and the calendar.
 * Keys live in typed arrays and payloads in a parallel packed array, so a push or pop allocates
 * nothing; four children per node halve the depth of a binary heap.
 */
export class EventHeap<T> {
  private times = new Float64Array(64);
  private seqs = new Float64Array(64);
  // Filled with undefined (not `new Array(n)`): a packed array keeps element access on V8's fast path.
  private items: (T | undefined)[] = Array.from({ length: 64 }, () => undefined);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Time of the earliest entry; Infinity when empty. */
  peekTime(): number {
    return this.count === 0 ? Infinity : (this.times[0] as number);
  }

  /** Sequence number of the earliest entry (meaningless when empty). */
  peekSeq(): number {
    return this.seqs[0] as number;
  }

  /** The earliest entry's payload, left in place (meaningless when empty). */
  peekItem(): T {
    return this.items[0] as T;
  }

  push(time: number, seq: number, item: T): void {
    if (this.count === this.times.length) this.grow();
    this.siftUp(this.count++, time, seq, item);
  }

  /** Moves parents down from `hole` until (time, seq) fits, and places the entry there. */
  private siftUp(hole: number, time: number, seq: number, item: T | undefined): void {
    const times = this.times;
    const seqs = this.seqs;
    const items = this.items;
    while (hole > 0) {
      const parent = (hole - 1) >> 2;
      const pt = times[parent] as number;
      if (pt < time || (pt === time && (seqs[parent] as number) < seq)) break;
      times[hole] = pt;
      seqs[hole] = seqs[parent] as number;
      items[hole] = items[parent];
      hole = parent;
    }
    times[hole] = time;
    seqs[hole] = seq;
    items[hole] = item;
  }

  /**
   * Removes and returns the earliest entry. Floyd's bottom-up variant: the hole left at the root
   * walks down to a leaf along the smallest children (no comparison with the moved element), then the
   * last element sifts up from there — it is usually large, so it rarely moves, and each level costs
   * one comparison fewer.
   */
  pop(): T {
    if (this.count === 0) throw new RangeError('EventHeap.pop on an empty heap');
    const items = this.items;
    const top = items[0] as T;
    const last = --this.count;
    if (last > 0) {
      const times = this.times;
      const seqs = this.seqs;
      let hole = 0;
      for (;;) {
        const first = 4 * hole + 1;
        if (first >= last) break;
        let best = first;
        let bt = times[first] as number;
        const end = first + 4 < last ? first + 4 : last;
        for (let c = first + 1; c < end; c++) {
          const ct = times[c] as number;
          if (ct < bt || (ct === bt && (seqs[c] as number) < (seqs[best] as number))) {
            best = c;
            bt = ct;
          }
        }
        times[hole] = bt;
        seqs[hole] = seqs[best] as number;
        items[hole] = items[best];
        hole = best;
      }
      this.siftUp(hole, times[last] as number, seqs[last] as number, items[last]);
    }
    items[last] = undefined; // let the payload be collected
    return top;
  }

  private grow(): void {
    const size = this.times.length * 2;
    const times = new Float64Array(size);
    times.set(this.times);
    const seqs = new Float64Array(size);
    seqs.set(this.seqs);
    this.times = times;
    this.seqs = seqs;
    for (let i = this.items.length; i < size; i++) this.items.push(undefined);
  }
}

/**
 * The scheduler's priority queue: a 4-ary min-heap ordered by (time, sequence number).
 * The sequence number is the insertion order, so two events at the same virtual time always run in
 * the order they were scheduled — the property that makes a seed replay exactly.
 * Keys live in typed arrays and payloads in a parallel packed array, so a push or pop allocates
 * nothing; four children per node halve the depth of a binary heap (fewer cache-missing levels).
 */
export class EventQueue<T> {
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  // Filled with undefined (not `new Array(n)`): a packed array keeps element access on V8's fast path.
  private items: (T | undefined)[] = Array.from({ length: 1024 }, () => undefined);
  private count = 0;
  private nextSeq = 0;

  get size(): number {
    return this.count;
  }

  /** Time of the earliest event; Infinity when empty. */
  peekTime(): number {
    return this.count === 0 ? Infinity : (this.times[0] as number);
  }

  push(time: number, item: T): void {
    if (Number.isNaN(time)) throw new RangeError('EventQueue.push: time is NaN');
    if (this.count === this.times.length) this.grow();
    let i = this.count++;
    const seq = this.nextSeq++;
    const times = this.times;
    const seqs = this.seqs;
    const items = this.items;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const pt = times[parent] as number;
      if (pt < time || (pt === time && (seqs[parent] as number) < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[parent] as number;
      items[i] = items[parent];
      i = parent;
    }
    times[i] = time;
    seqs[i] = seq;
    items[i] = item;
  }

  /** Removes and returns the earliest event. The caller checks `size` first. */
  pop(): T {
    if (this.count === 0) throw new RangeError('EventQueue.pop on an empty queue');
    const items = this.items;
    const top = items[0] as T;
    const last = --this.count;
    if (last > 0) {
      const times = this.times;
      const seqs = this.seqs;
      const time = times[last] as number;
      const seq = seqs[last] as number;
      const item = items[last];
      let i = 0;
      for (;;) {
        const first = 4 * i + 1;
        if (first >= last) break;
        // The smallest of up to four children.
        let best = first;
        let bt = times[first] as number;
        let bs = seqs[first] as number;
        const end = first + 4 < last ? first + 4 : last;
        for (let c = first + 1; c < end; c++) {
          const ct = times[c] as number;
          if (ct < bt || (ct === bt && (seqs[c] as number) < bs)) {
            best = c;
            bt = ct;
            bs = seqs[c] as number;
          }
        }
        if (time < bt || (time === bt && seq < bs)) break;
        times[i] = bt;
        seqs[i] = bs;
        items[i] = items[best];
        i = best;
      }
      times[i] = time;
      seqs[i] = seq;
      items[i] = item;
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

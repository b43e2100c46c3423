/**
 * Heavy hitters from a count-min sketch and a min-heap of K candidates (the usual streaming top-K):
 * each arrival updates the sketch; if the item is a candidate its count is refreshed, otherwise it
 * enters when its estimate beats the smallest candidate's.
 */
import { invariant } from '@dslab/sim';
import { CountMinSketch } from './count-min';

export class TopK {
  readonly sketch: CountMinSketch;
  /** A binary min-heap by count, with each item's position for updates. */
  private readonly heap: { item: string; count: number }[] = [];
  private readonly position = new Map<string, number>();

  constructor(
    readonly k: number,
    epsilon = 0.001,
    delta = 0.01,
  ) {
    invariant(Number.isInteger(k) && k >= 1, 'top-k config', () => `k must be a whole number ≥ 1, got ${k}`);
    this.sketch = CountMinSketch.forError(epsilon, delta);
  }

  add(item: string): void {
    this.sketch.add(item);
    const estimate = this.sketch.estimate(item);
    const at = this.position.get(item);
    if (at !== undefined) {
      (this.heap[at] as { count: number }).count = estimate;
      this.siftDown(at);
      return;
    }
    if (this.heap.length < this.k) {
      this.heap.push({ item, count: estimate });
      this.position.set(item, this.heap.length - 1);
      this.siftUp(this.heap.length - 1);
      return;
    }
    const min = this.heap[0] as { item: string; count: number };
    if (estimate <= min.count) return;
    this.position.delete(min.item);
    this.heap[0] = { item, count: estimate };
    this.position.set(item, 0);
    this.siftDown(0);
  }

  /** The candidates, largest first. */
  top(): { item: string; count: number }[] {
    return [...this.heap].sort((a, b) => b.count - a.count || (a.item < b.item ? -1 : 1));
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i] as { item: string; count: number };
    const b = this.heap[j] as { item: string; count: number };
    this.heap[i] = b;
    this.heap[j] = a;
    this.position.set(b.item, i);
    this.position.set(a.item, j);
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.heap[parent] as { count: number }).count <= (this.heap[i] as { count: number }).count) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (
        l < this.heap.length &&
        (this.heap[l] as { count: number }).count < (this.heap[smallest] as { count: number }).count
      )
        smallest = l;
      if (
        r < this.heap.length &&
        (this.heap[r] as { count: number }).count < (this.heap[smallest] as { count: number }).count
      )
        smallest = r;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}

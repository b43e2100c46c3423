/**
 * A count-min sketch (Cormode & Muthukrishnan 2005): d rows of w counters; an item adds to one
 * counter per row and its estimate is the row minimum. Width w = ⌈e/ε⌉ and depth d = ⌈ln(1/δ)⌉ give
 * estimate ≤ true + ε·N with probability ≥ 1 − δ, and never an estimate below the true count.
 */
import { hashPair, invariant } from '@dslab/sim';

export class CountMinSketch {
  readonly counters: Float64Array;
  total = 0;

  constructor(
    readonly width: number,
    readonly depth: number,
  ) {
    invariant(
      Number.isInteger(width) && width >= 1 && Number.isInteger(depth) && depth >= 1,
      'count-min config',
      () => `bad width ${width} / depth ${depth}`,
    );
    this.counters = new Float64Array(width * depth);
  }

  static forError(epsilon: number, delta: number): CountMinSketch {
    invariant(
      epsilon > 0 && epsilon < 1 && delta > 0 && delta < 1,
      'count-min sizing',
      () => `need 0 < ε, δ < 1`,
    );
    return new CountMinSketch(Math.ceil(Math.E / epsilon), Math.ceil(Math.log(1 / delta)));
  }

  private cell(row: number, h1: number, h2: number): number {
    return row * this.width + (((h1 + Math.imul(row, h2)) >>> 0) % this.width);
  }

  add(item: string, count = 1): void {
    const [h1, h2] = hashPair(item);
    for (let row = 0; row < this.depth; row++) this.counters[this.cell(row, h1, h2)]! += count;
    this.total += count;
  }

  estimate(item: string): number {
    const [h1, h2] = hashPair(item);
    let best = Infinity;
    for (let row = 0; row < this.depth; row++)
      best = Math.min(best, this.counters[this.cell(row, h1, h2)] as number);
    return best;
  }
}

/**
 * Seeded pseudo-random numbers for the kernel and everything above it.
 * xoshiro128** (Blackman & Vigna): 32-bit state words only, so it is fast in JS and gives the same
 * stream in every engine. Streams are derived from a seed and a label with splitmix32, so adding a
 * node or a consumer never shifts another stream.
 */

function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/** 32-bit FNV-1a of a string's UTF-16 code units: used only to turn labels into seeds. */
export function labelHash(label: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** The 32-bit seed this stream was made from (for reports). */
  readonly seed: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng seed must be a finite number, got ${seed}`);
    this.seed = seed >>> 0;
    let state = this.seed ^ (Math.floor(seed / 0x100000000) | 0);
    let word: number;
    [state, word] = splitmix32(state);
    this.a = word;
    [state, word] = splitmix32(state);
    this.b = word;
    [state, word] = splitmix32(state);
    this.c = word;
    [, word] = splitmix32(state);
    this.d = word;
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1; // the all-zero state is a fixed point
  }

  /** An independent stream for `label`, reproducible from this stream's seed alone. */
  fork(label: string): Rng {
    return new Rng((this.seed ^ labelHash(label)) >>> 0 || 0x2545f491);
  }

  /** Uniform 32-bit unsigned integer (exact: next() is a multiple of 2⁻³²). */
  nextUint32(): number {
    return this.next() * 4294967296;
  }

  /**
   * Uniform in [0, 1) with 32 bits of precision: one xoshiro128** step per draw, which halves the
   * cost of the simulator's hottest call. 2⁻³² granularity is far below anything a simulation
   * measures. The step lives here, not in nextUint32, and the rotations are written out: a double
   * returned from a call that V8 did not inline is a heap allocation, and this runs once per message.
   */
  next(): number {
    const b = this.b;
    // b·5, rotl 7, ·9 with shifts and adds: the same bits as Math.imul (every shift reduces its operand
    // mod 2³², and the last >>> 0 the sum), in less bytecode, which leaves room to inline the callers.
    const x = (b << 2) + b;
    const y = (x << 7) | (x >>> 25);
    const result = ((y << 3) + y) >>> 0;
    const t = b << 9;
    this.c ^= this.a;
    this.d ^= b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = (this.d << 11) | (this.d >>> 21);
    return result / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0) || !Number.isInteger(n)) throw new RangeError(`Rng.int needs a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** Standard normal by Box–Muller (one value per call; simple beats fast here). */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  /** Fisher–Yates, in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }
}

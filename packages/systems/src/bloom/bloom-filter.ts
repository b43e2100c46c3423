/**
 * A Bloom filter (Bloom 1970): m bits, k positions per key by double hashing
 * (Kirsch & Mitzenmacher 2006: g_i = h1 + i·h2 mod m). `addInspect` / `testInspect` report the
 * positions touched, for the lab to draw; the plain `add` / `mightContain` allocate nothing.
 */
import { hashPair, invariant } from '@dslab/sim';

export interface BloomStep {
  readonly positions: readonly number[];
  /** Positions that were 0 before an add (newly set) or are 0 on a test (proof of absence). */
  readonly zeros: readonly number[];
}

export class BloomFilter {
  readonly bits: Uint32Array;
  private inserted = 0;

  constructor(
    readonly m: number,
    readonly k: number,
  ) {
    invariant(Number.isInteger(m) && m >= 8, 'bloom config', () => `m must be a whole number ≥ 8, got ${m}`);
    invariant(Number.isInteger(k) && k >= 1 && k <= 64, 'bloom config', () => `k must be 1..64, got ${k}`);
    this.bits = new Uint32Array(Math.ceil(m / 32));
  }

  /** The filter sized for n items at false-positive rate p: m = −n·ln p / (ln 2)², k = (m/n)·ln 2. */
  static forCapacity(n: number, p: number): BloomFilter {
    invariant(n >= 1 && p > 0 && p < 1, 'bloom sizing', () => `need n ≥ 1 and 0 < p < 1, got n=${n}, p=${p}`);
    const m = Math.ceil((-n * Math.log(p)) / Math.LN2 ** 2);
    return new BloomFilter(m, Math.max(1, Math.round((m / n) * Math.LN2)));
  }

  get count(): number {
    return this.inserted;
  }

  add(key: string): void {
    const [h1, h2] = hashPair(key);
    for (let i = 0; i < this.k; i++) {
      const bit = (h1 + Math.imul(i, h2)) >>> 0;
      const position = bit % this.m;
      this.bits[position >>> 5] = (this.bits[position >>> 5] as number) | (1 << (position & 31));
    }
    this.inserted++;
  }

  mightContain(key: string): boolean {
    const [h1, h2] = hashPair(key);
    for (let i = 0; i < this.k; i++) {
      const position = ((h1 + Math.imul(i, h2)) >>> 0) % this.m;
      if (((this.bits[position >>> 5] as number) & (1 << (position & 31))) === 0) return false;
    }
    return true;
  }

  positions(key: string): number[] {
    const [h1, h2] = hashPair(key);
    return Array.from({ length: this.k }, (_, i) => ((h1 + Math.imul(i, h2)) >>> 0) % this.m);
  }

  private isSet(position: number): boolean {
    return ((this.bits[position >>> 5] as number) & (1 << (position & 31))) !== 0;
  }

  addInspect(key: string): BloomStep {
    const positions = this.positions(key);
    const zeros = positions.filter((p) => !this.isSet(p));
    this.add(key);
    return { positions, zeros };
  }

  testInspect(key: string): BloomStep & { readonly mightContain: boolean } {
    const positions = this.positions(key);
    const zeros = positions.filter((p) => !this.isSet(p));
    return { positions, zeros, mightContain: zeros.length === 0 };
  }

  /** The predicted false-positive rate after n insertions: (1 − e^(−kn/m))^k. */
  predictedFalsePositiveRate(n = this.inserted): number {
    return (1 - Math.exp((-this.k * n) / this.m)) ** this.k;
  }

  get bytes(): number {
    return this.bits.byteLength;
  }
}

/** Bits per item for false-positive rate p with the optimal k: −ln p / (ln 2)² ≈ 1.44·log₂(1/p). */
export function bitsPerItem(p: number): number {
  return -Math.log(p) / Math.LN2 ** 2;
}

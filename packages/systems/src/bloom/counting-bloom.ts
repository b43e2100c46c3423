/**
 * A counting Bloom filter (Fan et al. 2000): 4-bit counters instead of bits, so keys can be removed.
 * Deleting a key that was never added decrements counters other keys rely on, and later tests of
 * those keys can answer "absent": a false negative (the scenario shows it).
 */
import { hashPair, invariant } from '@dslab/sim';

export class CountingBloomFilter {
  /** Two 4-bit counters per byte. */
  readonly counters: Uint8Array;

  constructor(
    readonly m: number,
    readonly k: number,
  ) {
    invariant(
      Number.isInteger(m) && m >= 8 && Number.isInteger(k) && k >= 1,
      'counting bloom config',
      () => `bad m=${m} k=${k}`,
    );
    this.counters = new Uint8Array(Math.ceil(m / 2));
  }

  private get(position: number): number {
    const byte = this.counters[position >>> 1] as number;
    return position & 1 ? byte >>> 4 : byte & 0x0f;
  }

  private set(position: number, value: number): void {
    const index = position >>> 1;
    const byte = this.counters[index] as number;
    this.counters[index] = position & 1 ? (byte & 0x0f) | (value << 4) : (byte & 0xf0) | value;
  }

  private positions(key: string): number[] {
    const [h1, h2] = hashPair(key);
    return Array.from({ length: this.k }, (_, i) => ((h1 + Math.imul(i, h2)) >>> 0) % this.m);
  }

  add(key: string): void {
    for (const p of this.positions(key)) {
      const value = this.get(p);
      if (value < 15) this.set(p, value + 1); // saturate: a stuck counter never causes a false negative
    }
  }

  remove(key: string): void {
    for (const p of this.positions(key)) {
      const value = this.get(p);
      if (value > 0 && value < 15) this.set(p, value - 1);
    }
  }

  mightContain(key: string): boolean {
    return this.positions(key).every((p) => this.get(p) > 0);
  }

  get bytes(): number {
    return this.counters.byteLength;
  }
}

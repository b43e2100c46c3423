/**
 * HyperLogLog++'s sparse form (Heule, Nunkesser & Hall 2013): while few items have been seen, keep
 * (index, rank) pairs at a much higher precision p′ = 25 instead of 2^p registers. The estimate is
 * linear counting over 2^25 buckets — nearly exact for small sets — and the memory is 4 bytes per
 * pair. Once the pairs would take more than the dense sketch's 6-bit registers, convert: the dense
 * registers come out exactly as if every item had been added to them directly.
 */
import { HyperLogLog, checkPrecision, hash64, rankAfter } from './hyperloglog';
import { packedByteLength } from './packed-registers';

export const SPARSE_PRECISION = 25;

export class SparseHyperLogLog {
  private pairs: Map<number, number> | undefined = new Map();
  private dense: HyperLogLog | undefined;
  /** Pairs allowed before converting: when 4 bytes each would exceed the dense 6-bit registers. */
  readonly limit: number;

  constructor(readonly p = 14) {
    checkPrecision(p);
    this.limit = Math.floor(packedByteLength(1 << p) / 4);
  }

  get isSparse(): boolean {
    return this.pairs !== undefined;
  }

  /** Bytes the current representation takes: 4 per pair while sparse, the packed registers once dense. */
  get bytes(): number {
    return this.pairs ? this.pairs.size * 4 : (this.dense as HyperLogLog).bytes;
  }

  add(item: string): void {
    if (this.dense) {
      this.dense.add(item);
      return;
    }
    // The same 64-bit hash as the dense sketch: index from the top 25 bits, rank from the other 39.
    const [high, low] = hash64(item);
    const index = high >>> (32 - SPARSE_PRECISION);
    const rank = rankAfter(high, low, SPARSE_PRECISION);
    const pairs = this.pairs as Map<number, number>;
    if (rank > (pairs.get(index) ?? 0)) pairs.set(index, rank);
    if (pairs.size > this.limit) this.densify();
  }

  private densify(): void {
    const dense = new HyperLogLog(this.p);
    const extra = SPARSE_PRECISION - this.p;
    for (const [index, rank] of this.pairs as Map<number, number>) {
      const register = index >>> extra;
      // The bits between the dense index and the sparse one come first in the dense rank.
      const between = index & ((1 << extra) - 1);
      const denseRank = between !== 0 ? Math.clz32(between << (32 - extra)) + 1 : extra + rank;
      dense.raise(register, denseRank);
    }
    this.dense = dense;
    this.pairs = undefined;
  }

  estimate(): number {
    if (this.dense) return this.dense.estimate();
    const buckets = 2 ** SPARSE_PRECISION;
    const empty = buckets - (this.pairs as Map<number, number>).size;
    return buckets * Math.log(buckets / empty);
  }

  /** The dense registers this sketch stands for (converting a copy when still sparse). */
  toDense(): HyperLogLog {
    if (this.dense) return this.dense;
    const copy = new SparseHyperLogLog(this.p);
    copy.pairs = new Map(this.pairs);
    copy.densify();
    return copy.dense as HyperLogLog;
  }
}

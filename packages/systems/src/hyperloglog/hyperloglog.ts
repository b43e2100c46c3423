/**
 * HyperLogLog (Flajolet, Fusy, Gandouet & Meunier 2007) with 2^p registers and a 64-bit hash made of
 * two MurmurHash3 seeds: the first p bits pick a register, the register keeps the largest
 * "position of the first 1-bit" seen in the remaining 64 − p bits. The estimate is Ertl's (2017)
 * improved estimator, unbiased from 0 to billions without bias tables; a 64-bit hash needs no
 * large-range correction (Heule et al. 2013).
 * Registers are packed 6 bits each (`packed-registers.ts`), as in Redis's dense form: 12,288 bytes at
 * p = 14, measured as the bytes the array allocates.
 */
import { invariant, murmur3 } from '@dslab/sim';
import { PackedRegisters } from './packed-registers';

/** The 64-bit hash every form of the sketch uses, as two 32-bit halves (high first). */
export function hash64(item: string): [number, number] {
  return [murmur3(item, 0x5f3759df), murmur3(item, 0x2545f491)];
}

/** Position of the first 1-bit after the top `bits` bits of the 64-bit hash (1-based). */
export function rankAfter(high: number, low: number, bits: number): number {
  const rest = (high << bits) >>> 0;
  return rest !== 0 ? Math.clz32(rest) + 1 : 32 - bits + (low !== 0 ? Math.clz32(low) : 32) + 1;
}

export function checkPrecision(p: number): void {
  invariant(
    Number.isInteger(p) && p >= 4 && p <= 18,
    'hll config',
    () => `precision must be 4..18, got ${p}`,
  );
}

export class HyperLogLog {
  private readonly packed: PackedRegisters;
  readonly m: number;

  constructor(readonly p = 14) {
    checkPrecision(p);
    this.m = 1 << p;
    this.packed = new PackedRegisters(this.m);
  }

  /** Adds an item; returns the register touched and whether it grew (for the lab). */
  add(item: string): { register: number; rank: number; changed: boolean } {
    const [high, low] = hash64(item);
    const register = high >>> (32 - this.p);
    const rank = rankAfter(high, low, this.p);
    const changed = rank > this.packed.get(register);
    if (changed) this.packed.set(register, rank);
    return { register, rank, changed };
  }

  register(index: number): number {
    return this.packed.get(index);
  }

  /** Raises register `index` to `rank` if it is lower (the sparse form uses it when converting). */
  raise(index: number, rank: number): void {
    if (rank > this.packed.get(index)) this.packed.set(index, rank);
  }

  /** Every register unpacked to one byte each: a copy, for drawing and comparing. */
  get registers(): Uint8Array {
    return this.packed.unpack();
  }

  /**
   * Ertl's improved estimator (2017), which needs neither linear counting nor HLL++'s empirical bias
   * tables: it works from the histogram of register values, with corrections σ for empty registers
   * and τ for saturated ones, and is nearly unbiased across the whole range.
   */
  estimate(): number {
    const histogram = new Float64Array(64 - this.p + 2);
    for (let i = 0; i < this.m; i++) histogram[this.packed.get(i)]!++;
    return estimateFromHistogram(histogram, this.p);
  }

  /** The same estimator over registers held one per byte (the unpacked reference the tests compare with). */
  static estimateFromRegisters(registers: Uint8Array, p: number): number {
    const histogram = new Float64Array(64 - p + 2);
    for (const value of registers) histogram[value]!++;
    return estimateFromHistogram(histogram, p);
  }

  /** The union: register-wise maximum. Both sketches must share the precision. */
  merge(other: HyperLogLog): HyperLogLog {
    if (other.p !== this.p) throw new Error(`cannot merge precision ${other.p} into ${this.p}`);
    const out = new HyperLogLog(this.p);
    for (let i = 0; i < this.m; i++) out.packed.set(i, Math.max(this.packed.get(i), other.packed.get(i)));
    return out;
  }

  /** 1.04 / √m: the relative standard error. */
  get standardError(): number {
    return 1.04 / Math.sqrt(this.m);
  }

  /** Bytes the registers occupy: the length of the packed array, not a formula. */
  get bytes(): number {
    return this.packed.byteLength;
  }
}

/** Ertl's estimate from the histogram of register values (index = register value, 0 … 64 − p + 1). */
function estimateFromHistogram(histogram: Float64Array, p: number): number {
  const m = 2 ** p;
  const q = 64 - p;
  let z = m * tau(1 - (histogram[q + 1] as number) / m);
  for (let k = q; k >= 1; k--) z = 0.5 * (z + (histogram[k] as number));
  z += m * sigma((histogram[0] as number) / m);
  return (m * m) / (2 * Math.LN2 * z);
}

/** σ(x) = x + Σ_{k≥1} x^(2^k) · 2^(k−1), the correction for empty registers. */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  for (;;) {
    x *= x;
    const previous = z;
    z += x * y;
    y += y;
    if (z === previous) return z;
  }
}

/** τ(x) = (1/3)(1 − x − Σ_{k≥1} (1 − x^(2^−k))² · 2^−k), the correction for saturated registers. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  for (;;) {
    x = Math.sqrt(x);
    const previous = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
    if (z === previous) return z / 3;
  }
}

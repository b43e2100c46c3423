/**
 * HyperLogLog registers packed 6 bits each, as Redis stores its dense representation: register i
 * occupies bits 6i … 6i + 5 of a byte array, least significant bits first, so a register may straddle
 * two bytes. Six bits hold ranks up to 63; a 64-bit hash with p ≥ 4 index bits gives ranks ≤ 61.
 */
import { invariant } from '@dslab/sim';

export const REGISTER_BITS = 6;
const MAX_VALUE = (1 << REGISTER_BITS) - 1;

/** Bytes that `count` 6-bit registers take, rounded up to whole bytes. */
export function packedByteLength(count: number): number {
  return Math.ceil((count * REGISTER_BITS) / 8);
}

export class PackedRegisters {
  private readonly bytes: Uint8Array;

  constructor(readonly count: number) {
    invariant(
      Number.isInteger(count) && count >= 1,
      'hll registers',
      () => `register count must be a whole number ≥ 1, got ${count}`,
    );
    this.bytes = new Uint8Array(packedByteLength(count));
  }

  /** Bytes allocated for the registers (what the sketch costs in memory). */
  get byteLength(): number {
    return this.bytes.byteLength;
  }

  get(index: number): number {
    const bit = index * REGISTER_BITS;
    const byte = bit >>> 3;
    const shift = bit & 7;
    // Two bytes read little-endian; the second only matters when the register straddles them.
    const word =
      (this.bytes[byte] as number) | (shift > 8 - REGISTER_BITS ? (this.bytes[byte + 1] as number) << 8 : 0);
    return (word >>> shift) & MAX_VALUE;
  }

  set(index: number, value: number): void {
    invariant(
      Number.isInteger(value) && value >= 0 && value <= MAX_VALUE,
      'hll registers',
      () => `a register holds 6 bits (0..63), got ${value}`,
    );
    const bit = index * REGISTER_BITS;
    const byte = bit >>> 3;
    const shift = bit & 7;
    const low = this.bytes[byte] as number;
    this.bytes[byte] = (low & ~(MAX_VALUE << shift)) | ((value << shift) & 0xff);
    if (shift > 8 - REGISTER_BITS) {
      const high = this.bytes[byte + 1] as number;
      const spill = 8 - shift; // bits of the register that fit in the first byte
      this.bytes[byte + 1] = (high & ~(MAX_VALUE >>> spill)) | (value >>> spill);
    }
  }

  /** Every register as one plain byte each (a copy, for drawing and comparing). */
  unpack(): Uint8Array {
    const out = new Uint8Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.get(i);
    return out;
  }
}

/**
 * A cuckoo filter (Fan, Andersen, Kaminsky & Mitzenmacher 2014): each key is stored as an f-bit
 * fingerprint in one of two buckets of b slots — i1 = h(x), i2 = i1 ⊕ h(fingerprint) — so a lookup reads
 * at most two buckets (two cache lines), and a delete removes one copy of the fingerprint. Inserts
 * relocate ("kick") resident fingerprints to their alternate bucket, at most `maxKicks` times.
 */
import { hashPair, invariant, murmur3 } from '@dslab/sim';

export class CuckooFilter {
  private readonly slots: Uint16Array;
  private readonly mask: number;
  private count = 0;
  /** Buckets read by lookups so far (locality: never more than 2 per lookup). */
  bucketsRead = 0;
  kicks = 0;

  constructor(
    /** Number of buckets: a power of two (so the xor of two indexes stays in range). */
    readonly buckets: number,
    readonly slotsPerBucket = 4,
    readonly fingerprintBits = 12,
    readonly maxKicks = 500,
    private readonly random: () => number = () => 0.5,
  ) {
    invariant(
      buckets >= 2 && (buckets & (buckets - 1)) === 0,
      'cuckoo config',
      () => `buckets must be a power of two ≥ 2, got ${buckets}`,
    );
    invariant(
      fingerprintBits >= 2 && fingerprintBits <= 16,
      'cuckoo config',
      () => `fingerprint bits must be 2..16, got ${fingerprintBits}`,
    );
    this.slots = new Uint16Array(buckets * slotsPerBucket); // 0 = empty
    this.mask = buckets - 1;
  }

  get size(): number {
    return this.count;
  }

  get loadFactor(): number {
    return this.count / this.slots.length;
  }

  get bytes(): number {
    return (this.slots.length * this.fingerprintBits) / 8;
  }

  private fingerprint(key: string): { fp: number; i1: number } {
    const [h1, h2] = hashPair(key);
    const fp = ((h2 >>> 0) % ((1 << this.fingerprintBits) - 1)) + 1; // never 0: 0 marks an empty slot
    return { fp, i1: (h1 >>> 0) & this.mask };
  }

  private alternate(index: number, fp: number): number {
    return (index ^ murmur3(String(fp), 0xc0ffee)) & this.mask;
  }

  private tryPut(bucket: number, fp: number): boolean {
    const base = bucket * this.slotsPerBucket;
    for (let s = 0; s < this.slotsPerBucket; s++) {
      if (this.slots[base + s] === 0) {
        this.slots[base + s] = fp;
        return true;
      }
    }
    return false;
  }

  /** False when the filter is too full (the last kicked fingerprint could not be placed). */
  add(key: string): boolean {
    const { fp, i1 } = this.fingerprint(key);
    const i2 = this.alternate(i1, fp);
    if (this.tryPut(i1, fp) || this.tryPut(i2, fp)) {
      this.count++;
      return true;
    }
    let bucket = this.random() < 0.5 ? i1 : i2;
    let carried = fp;
    const undo: [number, number][] = [];
    for (let kick = 0; kick < this.maxKicks; kick++) {
      const slot = bucket * this.slotsPerBucket + Math.floor(this.random() * this.slotsPerBucket);
      const evicted = this.slots[slot] as number;
      this.slots[slot] = carried;
      undo.push([slot, evicted]);
      this.kicks++;
      carried = evicted;
      bucket = this.alternate(bucket, carried);
      if (this.tryPut(bucket, carried)) {
        this.count++;
        return true;
      }
    }
    // Full: put everything back as it was, so no resident key is lost.
    for (let i = undo.length - 1; i >= 0; i--) {
      const [slot, value] = undo[i] as [number, number];
      this.slots[slot] = value;
    }
    return false;
  }

  mightContain(key: string): boolean {
    const { fp, i1 } = this.fingerprint(key);
    this.bucketsRead++;
    if (this.bucketHas(i1, fp)) return true;
    this.bucketsRead++;
    return this.bucketHas(this.alternate(i1, fp), fp);
  }

  private bucketHas(bucket: number, fp: number): boolean {
    const base = bucket * this.slotsPerBucket;
    for (let s = 0; s < this.slotsPerBucket; s++) if (this.slots[base + s] === fp) return true;
    return false;
  }

  /** Removes one copy of the key's fingerprint; deleting a key never added may remove another key's. */
  remove(key: string): boolean {
    const { fp, i1 } = this.fingerprint(key);
    for (const bucket of [i1, this.alternate(i1, fp)]) {
      const base = bucket * this.slotsPerBucket;
      for (let s = 0; s < this.slotsPerBucket; s++) {
        if (this.slots[base + s] === fp) {
          this.slots[base + s] = 0;
          this.count--;
          return true;
        }
      }
    }
    return false;
  }

  /** The false-positive bound of the paper: 2b / 2^f. */
  predictedFalsePositiveRate(): number {
    return (2 * this.slotsPerBucket) / 2 ** this.fingerprintBits;
  }
}

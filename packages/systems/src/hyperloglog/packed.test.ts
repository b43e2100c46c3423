import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HyperLogLog, hash64, rankAfter } from './hyperloglog';
import { PackedRegisters } from './packed-registers';
import { hllErrorAndMerge } from './scenarios';

/** The reference: the same sketch with one plain byte per register, estimated by the same estimator. */
function unpackedRegisters(p: number, items: readonly string[]): Uint8Array {
  const registers = new Uint8Array(1 << p);
  for (const item of items) {
    const [high, low] = hash64(item);
    const register = high >>> (32 - p);
    registers[register] = Math.max(registers[register] as number, rankAfter(high, low, p));
  }
  return registers;
}

describe('6-bit packed registers', () => {
  it('get returns what set stored, for every register, next to neighbours set in any order (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 12 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 63 })), { maxLength: 500 }),
        (p, writes) => {
          const m = 1 << p;
          const packed = new PackedRegisters(m);
          const plain = new Uint8Array(m);
          for (const [at, value] of writes) {
            packed.set(at % m, value);
            plain[at % m] = value;
          }
          for (let i = 0; i < m; i++) expect(packed.get(i)).toBe(plain[i]);
        },
      ),
    );
  });

  it('takes 6 bits per register in bytes actually allocated: 12,288 bytes at p = 14', () => {
    expect(new PackedRegisters(1 << 14).byteLength).toBe(12_288);
    expect(new HyperLogLog(14).bytes).toBe(12_288);
    expect(new HyperLogLog(4).bytes).toBe(12);
    expect(() => new PackedRegisters(16).set(0, 64)).toThrow(/6 bits/);
  });

  it('the packed sketch holds the same registers and gives the same estimate as one byte per register (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 12 }),
        fc.array(fc.string(), { maxLength: 2_000 }),
        (p, items) => {
          const sketch = new HyperLogLog(p);
          for (const item of items) sketch.add(item);
          const reference = unpackedRegisters(p, items);
          expect([...sketch.registers]).toEqual([...reference]);
          expect(sketch.estimate()).toBe(HyperLogLog.estimateFromRegisters(reference, p));
        },
      ),
    );
  });

  it('the 12 KB scenario reports the bytes of the packed registers it measured', async () => {
    const result = await hllErrorAndMerge.run({ seed: 1, quick: true });
    expect(result.measurements.packedBytes).toBe(12_288);
    expect(result.measurements.registerBytesMeasured).toBe(12_288);
  });
});

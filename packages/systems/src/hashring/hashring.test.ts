import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hashringSystem, ConsistentHashRing, jumpHash } from './index';

describe('consistent hashing (D1)', () => {
  // Every scenario's verdict in quick mode at seed 1 is asserted by registry.test.ts.

  it('adding the 11th node: modulo moves close to 10/11 of the keys, ring, jump and rendezvous close to 1/11 (measured)', async () => {
    const { measurements } = await hashringSystem.scenarios
      .find((s) => s.id === 'modulo-moves-nearly-all')!
      .run({ seed: 2, quick: true });
    // Quick mode moves 20,000 keys: a fraction near 1/11 has a sampling σ of √(p(1−p)/20,000) ≈ 0.002,
    // so ±0.01 is 5σ for modulo, jump and rendezvous. The ring's new node owns what its 150 vnodes cover,
    // which varies with its name by ≈ 8% of 1/11 (σ ≈ 0.007, see add-node-moves-1-over-n): ±0.03 is 4σ.
    expect(measurements.moduloMovedAt10).toBeGreaterThan(10 / 11 - 0.01);
    expect(measurements.moduloMovedAt10).toBeLessThan(10 / 11 + 0.01);
    expect(Math.abs(measurements.jumpMovedAt10! - 1 / 11)).toBeLessThan(0.01);
    expect(Math.abs(measurements.rendezvousMovedAt10! - 1 / 11)).toBeLessThan(0.01);
    expect(Math.abs(measurements.ringMovedAt10! - 1 / 11)).toBeLessThan(0.03);
  });

  it('ring invariants: lookups are stable, owners are members, replicas are distinct', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.string(), { maxLength: 30 }),
        (nodes, keys) => {
          const ring = new ConsistentHashRing(20);
          for (const node of nodes) ring.add(node);
          for (const key of keys) {
            expect(nodes).toContain(ring.owner(key));
            expect(ring.owner(key)).toBe(ring.owner(key));
            const replicas = ring.replicas(key, 3);
            expect(new Set(replicas).size).toBe(Math.min(3, nodes.length));
            expect(replicas[0]).toBe(ring.owner(key));
          }
        },
      ),
    );
  });

  it('jump hash moves only keys into the new bucket', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: 1, max: 500 }), (key, n) => {
        const before = jumpHash(key, n);
        const after = jumpHash(key, n + 1);
        expect(before).toBeLessThan(n);
        expect(after === before || after === n).toBe(true);
      }),
    );
  });

  it('rejects bad membership changes', () => {
    const ring = new ConsistentHashRing(10);
    ring.add('a');
    expect(() => ring.add('a')).toThrow(/already/);
    expect(() => ring.remove('b')).toThrow(/no node 'b'/);
    expect(() => ring.add('c', 0)).toThrow(/weight/);
    expect(() => new ConsistentHashRing(0)).toThrow(/vnodes/);
  });
});

describe('the ring lookup paths', () => {
  it('the jump-table lookup and the binary search agree on every key, whatever the membership', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.string(), { maxLength: 200 }),
        (nodes, vnodes, keys) => {
          const ring = new ConsistentHashRing(vnodes);
          for (let i = 0; i < nodes; i++) ring.add(`n${i}`);
          for (const key of [...keys, 'a', '', '\u{1F600}'])
            expect(ring.owner(key)).toBe(ring.ownerBySearch(key));
          ring.remove('n0');
          if (nodes > 1) for (const key of keys) expect(ring.owner(key)).toBe(ring.ownerBySearch(key));
        },
      ),
      { numRuns: 60 },
    );
  });
});

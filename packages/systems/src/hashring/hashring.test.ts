import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hashringSystem, ConsistentHashRing, jumpHash } from './index';

describe('consistent hashing (D1)', () => {
  it.each(hashringSystem.scenarios.map((s) => [s.id, s] as const))(
    '%s reproduces its expected verdict',
    async (_id, scenario) => {
      const result = await scenario.run({ seed: 1, quick: true });
      expect(result.observed, result.summary).toBe(scenario.expected);
    },
  );

  it('the moved fraction when adding the 11th node is close to 1/11 (measured, not assumed)', async () => {
    const result = await hashringSystem.scenarios
      .find((s) => s.id === 'modulo-moves-nearly-all')!
      .run({ seed: 2, quick: true });
    expect(result.measurements.moduloMovedAt10).toBeGreaterThan(0.88);
    expect(result.measurements.moduloMovedAt10).toBeLessThan(0.93);
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

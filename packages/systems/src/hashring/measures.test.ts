import { describe, expect, it } from 'vitest';
import { ConsistentHashRing } from './ring';
import { moduloPlacement, ringPlacement } from './placement';
import { loadPerNode, loadSpread, movedFraction, movedKeys } from './measures';
import { slotMaster, slotRanges } from './slot-ranges';
import { SLOT_COUNT } from './slots';

const keys = Array.from({ length: 20_000 }, (_, i) => `key-${i}`);
const nodes = Array.from({ length: 10 }, (_, i) => `node-${i}`);

describe('hashring measures', () => {
  it('counts every key once, and every node even when it owns none', () => {
    const ring = new ConsistentHashRing(150);
    for (const node of nodes) ring.add(node);
    const load = loadPerNode(ring, [...nodes, 'absent'], keys);
    expect([...load.values()].reduce((a, b) => a + b, 0)).toBe(keys.length);
    expect(load.get('absent')).toBe(0);
  });

  it('spread: an even load is 1× the mean with no variation; one hot node shows', () => {
    expect(loadSpread([5, 5, 5, 5])).toEqual({ maxOverMean: 1, cv: 0 });
    const skewed = loadSpread([10, 0, 0, 0]);
    expect(skewed.maxOverMean).toBe(4);
    expect(skewed.cv).toBeCloseTo(Math.sqrt(3));
    expect(loadSpread([])).toEqual({ maxOverMean: 0, cv: 0 });
  });

  it('a join moves about 1/(N+1) on the ring, all into the new node; modulo moves about N/(N+1)', () => {
    const ring = movedFraction(() => ringPlacement(150), nodes, keys, { add: 'node-10' });
    expect(ring.moved).toBeGreaterThan(0.06);
    expect(ring.moved).toBeLessThan(0.13);
    expect(ring.intoNewShare).toBe(1);
    const modulo = movedFraction(moduloPlacement, nodes, keys, { add: 'node-10' });
    expect(Math.abs(modulo.moved - 10 / 11)).toBeLessThan(0.02);
    const leave = movedFraction(() => ringPlacement(150), nodes, keys, { remove: 'node-3' });
    expect(leave.moved).toBeGreaterThan(0.06);
    expect(leave.moved).toBeLessThan(0.14);
  });

  it('moved keys are exactly those whose owner differs', () => {
    const before = new ConsistentHashRing(8);
    const after = new ConsistentHashRing(8);
    for (const node of nodes) {
      before.add(node);
      after.add(node);
    }
    after.add('node-10');
    const moved = movedKeys(before, after, keys);
    expect(moved.length).toBeGreaterThan(0);
    for (const key of moved) expect(after.owner(key)).toBe('node-10');
  });
});

describe('Redis Cluster slot ranges', () => {
  it('three masters get the ranges redis-cli --cluster create gives them', () => {
    expect(slotRanges(3)).toEqual([
      { first: 0, last: 5460 },
      { first: 5461, last: 10922 },
      { first: 10923, last: 16383 },
    ]);
  });

  it('ranges are contiguous and cover every slot; slotMaster agrees with them', () => {
    for (const masters of [1, 2, 5, 7, 24, 1000]) {
      const ranges = slotRanges(masters);
      expect(ranges[0]?.first).toBe(0);
      expect(ranges[ranges.length - 1]?.last).toBe(SLOT_COUNT - 1);
      ranges.forEach((range, i) => {
        if (i > 0) expect(range.first).toBe((ranges[i - 1]?.last ?? -2) + 1);
        expect(slotMaster(range.first, masters)).toBe(i);
        expect(slotMaster(range.last, masters)).toBe(i);
      });
    }
    expect(() => slotMaster(SLOT_COUNT, 3)).toThrow(/slot/);
    expect(() => slotRanges(0)).toThrow(/masters/);
  });
});

describe('loadSpread over an iterator', () => {
  it('gives the same spread for a Map’s values (walked once) as for an array', () => {
    const counts = new Map([
      ['a', 10],
      ['b', 20],
      ['c', 30],
    ]);
    expect(loadSpread(counts.values())).toEqual(loadSpread([10, 20, 30]));
    expect(loadSpread(counts.values()).cv).toBeGreaterThan(0.4);
  });
});

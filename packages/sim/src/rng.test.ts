import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from './rng';
import { EventQueue } from './event-queue';
import { murmur3 } from './hash';
import { sampleLatency } from './latency';

describe('Rng', () => {
  it('is reproducible and forks independent streams', () => {
    const a = new Rng(99);
    const b = new Rng(99);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    expect(new Rng(99).fork('x').next()).not.toBe(new Rng(99).fork('y').next());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('is close to uniform (chi-square over 10 buckets)', () => {
    const rng = new Rng(5);
    const buckets = new Array<number>(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) buckets[rng.int(10)]!++;
    const chi = buckets.reduce((sum, count) => sum + (count - n / 10) ** 2 / (n / 10), 0);
    expect(chi).toBeLessThan(27.9); // p = 0.001 for 9 degrees of freedom
  });

  it('rejects bad arguments', () => {
    expect(() => new Rng(NaN)).toThrow(/finite/);
    expect(() => new Rng(1).int(0)).toThrow(/positive integer/);
    expect(() => new Rng(1).pick([])).toThrow(/empty/);
  });
});

describe('EventQueue', () => {
  it('pops in (time, insertion) order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 300 }), (times) => {
        const queue = new EventQueue<number>();
        times.forEach((t, i) => queue.push(t, i));
        const out: number[] = [];
        while (queue.size > 0) out.push(queue.pop());
        const expected = times.map((t, i) => [t, i] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        expect(out).toEqual(expected.map(([, i]) => i));
      }),
    );
  });
});

describe('hash and latency', () => {
  it('murmur3 matches the reference values', () => {
    expect(murmur3('')).toBe(0);
    expect(murmur3('hello')).toBe(0x248bfa47);
    expect(murmur3('', 1)).toBe(0x514e28b7);
    expect(murmur3(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toBe(0x76293b50);
  });

  it('murmur3 of a string equals murmur3 of its UTF-8 bytes (ASCII fast path included)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.nat(), (text, seed) => {
        expect(murmur3(text, seed)).toBe(murmur3(new TextEncoder().encode(text), seed));
      }),
      { numRuns: 2000 },
    );
  });

  it('long-tail latency has the requested median and p99', () => {
    const rng = new Rng(8);
    const xs = Array.from({ length: 50_000 }, () =>
      sampleLatency({ kind: 'long-tail', median: 10, p99: 200 }, rng),
    ).sort((a, b) => a - b);
    expect(xs[25_000]!).toBeGreaterThan(9.5);
    expect(xs[25_000]!).toBeLessThan(10.5);
    expect(xs[49_500]!).toBeGreaterThan(170);
    expect(xs[49_500]!).toBeLessThan(235);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '@dslab/sim';
import { LfuCache, LruCache, TtlCache, WTinyLfuCache, createPolicy, policyKinds } from './index';
import { hitRatio, zipfTrace, ZipfSampler, xfetchRecompute } from '../zipf';

type Op = { kind: 'get' | 'set' | 'delete'; key: number; value: number };

const ops = (keys: number) =>
  fc.array(
    fc.record({
      kind: fc.constantFrom<'get' | 'set' | 'delete'>('get', 'set', 'set', 'delete'),
      key: fc.integer({ min: 0, max: keys - 1 }),
      value: fc.integer(),
    }),
    { maxLength: 300 },
  );

/** The simplest LRU: an array from most to least recent. */
class ReferenceLru {
  items: [number, number][] = [];
  constructor(readonly capacity: number) {}
  get(key: number): number | undefined {
    const at = this.items.findIndex(([k]) => k === key);
    if (at < 0) return undefined;
    const [item] = this.items.splice(at, 1);
    this.items.unshift(item!);
    return item![1];
  }
  set(key: number, value: number): void {
    const at = this.items.findIndex(([k]) => k === key);
    if (at >= 0) this.items.splice(at, 1);
    else if (this.items.length >= this.capacity) this.items.pop();
    this.items.unshift([key, value]);
  }
  delete(key: number): void {
    this.items = this.items.filter(([k]) => k !== key);
  }
}

/** The simplest LFU: a list scanned for the lowest (count, last use); decay halves and re-ranks. */
class ReferenceLfu {
  items: { key: number; value: number; count: number; used: number }[] = [];
  tick = 0;
  accesses = 0;
  constructor(
    readonly capacity: number,
    readonly decayEvery: number,
  ) {}
  private access(): void {
    if (this.decayEvery === 0 || ++this.accesses < this.decayEvery) return;
    this.accesses = 0;
    this.items.sort((a, b) => a.count - b.count || a.used - b.used);
    for (const item of this.items) {
      item.count = Math.max(1, Math.floor(item.count / 2));
      item.used = ++this.tick;
    }
  }
  get(key: number): number | undefined {
    const item = this.items.find((i) => i.key === key);
    if (item) {
      item.count++;
      item.used = ++this.tick;
    }
    this.access();
    return item?.value;
  }
  set(key: number, value: number): void {
    const item = this.items.find((i) => i.key === key);
    if (item) {
      item.value = value;
      item.count++;
      item.used = ++this.tick;
    } else {
      if (this.items.length >= this.capacity) {
        const victim = [...this.items].sort((a, b) => a.count - b.count || a.used - b.used)[0]!;
        this.items = this.items.filter((i) => i !== victim);
      }
      this.items.push({ key, value, count: 1, used: ++this.tick });
    }
    this.access();
  }
  delete(key: number): void {
    this.items = this.items.filter((i) => i.key !== key);
  }
}

describe('LRU', () => {
  it('agrees with a reference list on every operation and on the recency order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), ops(12), (capacity, sequence: Op[]) => {
        const ours = new LruCache<number, number>(capacity);
        const ref = new ReferenceLru(capacity);
        for (const op of sequence) {
          if (op.kind === 'get') expect(ours.get(op.key)).toBe(ref.get(op.key));
          else if (op.kind === 'set') {
            ours.set(op.key, op.value);
            ref.set(op.key, op.value);
          } else {
            ours.delete(op.key);
            ref.delete(op.key);
          }
          expect(ours.keys()).toEqual(ref.items.map(([k]) => k));
          expect(ours.size).toBeLessThanOrEqual(capacity);
        }
      }),
    );
  });
});

describe('LFU', () => {
  for (const decayEvery of [0, 5]) {
    it(`agrees with a reference list (decay every ${decayEvery || 'never'})`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 6 }), ops(10), (capacity, sequence: Op[]) => {
          const ours = new LfuCache<number, number>(capacity, { decayEvery });
          const ref = new ReferenceLfu(capacity, decayEvery);
          for (const op of sequence) {
            if (op.kind === 'get') expect(ours.get(op.key)).toBe(ref.get(op.key));
            else if (op.kind === 'set') {
              ours.set(op.key, op.value);
              ref.set(op.key, op.value);
            } else {
              ours.delete(op.key);
              ref.delete(op.key);
            }
            const order = [...ref.items]
              .sort((a, b) => a.count - b.count || a.used - b.used)
              .map((i) => i.key);
            expect(ours.evictionOrder()).toEqual(order);
          }
        }),
      );
    });
  }

  it('without decay keeps an old favourite forever; with decay it ages out', () => {
    const plain = new LfuCache<string, number>(2);
    const decaying = new LfuCache<string, number>(2, { decayEvery: 4 });
    for (const cache of [plain, decaying]) {
      cache.set('old', 0);
      for (let i = 0; i < 50; i++) cache.get('old');
      for (let i = 0; i < 40; i++) {
        cache.set(`new${i % 2}`, i);
        cache.get(`new${i % 2}`);
      }
    }
    expect(plain.has('old')).toBe(true);
    expect(decaying.has('old')).toBe(false);
  });
});

describe('W-TinyLFU', () => {
  it('returns only the last value set for a key, never exceeds its capacity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 20 }), ops(30), (capacity, sequence: Op[]) => {
        const ours = new WTinyLfuCache<number>(capacity);
        const last = new Map<string, number>();
        for (const op of sequence) {
          const key = `k${op.key}`;
          if (op.kind === 'get') {
            const got = ours.get(key);
            if (got !== undefined) expect(got).toBe(last.get(key));
          } else if (op.kind === 'set') {
            ours.set(key, op.value);
            last.set(key, op.value);
          } else {
            ours.delete(key);
            last.delete(key);
            expect(ours.has(key)).toBe(false);
          }
          expect(ours.size).toBeLessThanOrEqual(capacity);
        }
      }),
    );
  });

  it('keeps a hot set through a long sequential scan that flushes LRU', () => {
    const lru = new LruCache<string, number>(100);
    const tiny = new WTinyLfuCache<number>(100);
    const hot = Array.from({ length: 50 }, (_, i) => `hot${i}`);
    for (let round = 0; round < 20; round++)
      for (const key of hot) for (const c of [lru, tiny]) hitRatio(c, [key]);
    for (let i = 0; i < 1_000; i++) for (const c of [lru, tiny]) hitRatio(c, [`scan${i}`]);
    expect(hot.filter((k) => lru.has(k)).length).toBe(0);
    // All but what sat in the window (1% of the capacity: one entry) survive.
    expect(hot.filter((k) => tiny.has(k)).length).toBeGreaterThanOrEqual(49);
  });
});

describe('TTL', () => {
  it('agrees with a reference map of expiries when nothing is evicted', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            kind: fc.constantFrom<'get' | 'set' | 'delete'>('get', 'set', 'delete'),
            key: fc.integer({ min: 0, max: 5 }),
            ttl: fc.integer({ min: 1, max: 50 }),
            advance: fc.integer({ min: 0, max: 20 }),
          }),
          { maxLength: 200 },
        ),
        (sequence) => {
          const ours = new TtlCache<number>(new LruCache(16));
          const ref = new Map<string, { value: number; until: number }>();
          let now = 0;
          sequence.forEach((op, i) => {
            now += op.advance;
            const key = `k${op.key}`;
            if (op.kind === 'set') {
              ours.set(key, i, now, op.ttl);
              ref.set(key, { value: i, until: now + op.ttl });
            } else if (op.kind === 'delete') {
              ours.delete(key);
              ref.delete(key);
            } else {
              const want = ref.get(key);
              expect(ours.get(key, now)?.value).toBe(want && now < want.until ? want.value : undefined);
            }
          });
        },
      ),
    );
  });
});

describe('the factory, the Zipf sampler and XFetch', () => {
  it('builds every policy kind within its capacity', () => {
    for (const kind of policyKinds) {
      const policy = createPolicy<number>(kind, 10);
      for (let i = 0; i < 100; i++) policy.set(`k${i}`, i);
      expect(policy.size).toBeLessThanOrEqual(10);
    }
  });

  it('draws ranks with Zipf frequencies', () => {
    const sampler = new ZipfSampler(100, 1);
    const trace = zipfTrace(new Rng(1), 100, 1, 100_000);
    const top = trace.filter((k) => k === 'k0').length / trace.length;
    expect(Math.abs(top - sampler.probability(0))).toBeLessThan(0.01);
  });

  it('recomputes more often as expiry nears', () => {
    const rng = new Rng(2);
    const rate = (remaining: number) => {
      let yes = 0;
      for (let i = 0; i < 10_000; i++) if (xfetchRecompute(0, 10, 1, remaining, 1 - rng.next())) yes++;
      return yes / 10_000;
    };
    // P = e^(−remaining/(Δβ)).
    expect(Math.abs(rate(10) - Math.exp(-1))).toBeLessThan(0.02);
    expect(rate(1)).toBeGreaterThan(rate(10));
    expect(rate(10)).toBeGreaterThan(rate(40));
  });
});

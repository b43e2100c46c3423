// Our LRU against the `lru-cache` package on the same Zipf trace: two exact LRUs must keep the same
// keys and reach the same hit ratio. (Speed is measured in bench/cache.bench.ts, never asserted here.)
import fc from 'fast-check';
import { LRUCache } from 'lru-cache';
import { describe, expect, it } from 'vitest';
import { Rng } from '@dslab/sim';
import { caching } from '@dslab/systems';

describe('LRU against lru-cache', () => {
  it('the same hit ratio on a Zipf trace, to the request', () => {
    const trace = caching.zipfTrace(new Rng(7), 50_000, 0.99, 300_000);
    for (const capacity of [100, 1_000, 5_000]) {
      const ours = new caching.LruCache<string, number>(capacity);
      const theirs = new LRUCache<string, number>({ max: capacity });
      const a = caching.hitRatio(ours, trace);
      const b = caching.hitRatio(theirs, trace);
      console.log(`capacity ${capacity}: hit ratio ours ${a.toFixed(4)}, lru-cache ${b.toFixed(4)}`);
      expect(a).toBe(b);
    }
  });

  it('the same keys cached after every operation of any sequence', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.constantFrom('get', 'set', 'delete'), fc.integer({ min: 0, max: 15 })), {
          maxLength: 200,
        }),
        (capacity, ops) => {
          const ours = new caching.LruCache<string, number>(capacity);
          const theirs = new LRUCache<string, number>({ max: capacity });
          ops.forEach(([op, k], i) => {
            const key = `k${k}`;
            if (op === 'get') expect(ours.get(key)).toBe(theirs.get(key));
            else if (op === 'set') {
              ours.set(key, i);
              theirs.set(key, i);
            } else {
              ours.delete(key);
              theirs.delete(key);
            }
            expect(ours.keys()).toEqual([...theirs.keys()]);
          });
        },
      ),
    );
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { runRandomWorld, type RandomWorldSpec } from './test-support/random-world';

const specArbitrary = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
  nodes: fc.integer({ min: 2, max: 7 }),
  durationMs: fc.integer({ min: 100, max: 1500 }),
  faults: fc.boolean(),
});

describe('determinism', () => {
  it('the same seed and inputs give the same trace hash (random worlds and fault schedules)', () => {
    fc.assert(
      fc.property(specArbitrary, (spec) => {
        const first = runRandomWorld(spec);
        const second = runRandomWorld(spec);
        expect(second.hash).toBe(first.hash);
        expect(second.events).toBe(first.events);
      }),
      { numRuns: 40 },
    );
  });

  it('different seeds give different traces', () => {
    const hashes = new Set<string>();
    for (let seed = 0; seed < 30; seed++)
      hashes.add(runRandomWorld({ seed, nodes: 4, durationMs: 500, faults: true }).hash);
    expect(hashes.size).toBe(30);
  });

  it('a worker thread computes the same hashes as the main thread', async () => {
    const specs: RandomWorldSpec[] = fc.sample(specArbitrary, { numRuns: 6, seed: 1234 });
    const here = specs.map((spec) => runRandomWorld(spec).hash);
    const boot = fileURLToPath(new URL('./test-support/ts-worker.mjs', import.meta.url));
    const entry = new URL('./test-support/determinism-worker.ts', import.meta.url).href;
    const there = await new Promise<string[]>((resolve, reject) => {
      const worker = new Worker(boot, { workerData: { entry, specs } });
      worker.once('message', (hashes: string[]) => {
        resolve(hashes);
        void worker.terminate();
      });
      worker.once('error', reject);
    });
    expect(there).toEqual(here);
  });

  it('the trace hash of a fixed run never changes (golden value; update only on purpose)', () => {
    const { hash, events } = runRandomWorld({ seed: 2026, nodes: 5, durationMs: 1000, faults: true });
    expect({ hash, events }).toMatchInlineSnapshot(`
      {
        "events": 638,
        "hash": "57d7185b2d652b37",
      }
    `);
  });
});

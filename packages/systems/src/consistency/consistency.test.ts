import { checkCausal, classifyHistory, registerHistory } from '@dslab/check';
import { describe, expect, it } from 'vitest';
import { divergence, buildCausalCluster, causalParams } from './cluster';
import { exampleHistories, versionsOf } from './examples';

function run(seed: number, mutant?: 'expose-before-deps' | 'last-arrival-wins') {
  const params = causalParams.parse({
    replicas: 3,
    clients: 6,
    keys: 3,
    durationMs: 600,
    ...(mutant ? { mutant } : {}),
  });
  const cluster = buildCausalCluster(params, seed);
  cluster.world.runFor(params.durationMs);
  for (const id of cluster.clients) cluster.client(id).stopped = true;
  cluster.world.runFor(1_000);
  return cluster;
}

describe('causal store', () => {
  it('converges and keeps the history causal, on several seeds', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const cluster = run(seed);
      expect(divergence(cluster)).toBeUndefined();
      expect(checkCausal(registerHistory(cluster.recorder.history())).holds).toBe(true);
      let buffered = 0;
      for (const id of cluster.replicas) buffered += cluster.replica(id).snapshot().buffered;
      expect(buffered).toBeGreaterThan(0);
    }
  });

  it('same seed, same trace', () => {
    expect(run(7).world.traceHash()).toBe(run(7).world.traceHash());
  });

  it('each hand-built example satisfies its rung and breaks the next stronger one', () => {
    const holds = (id: string, model: string) => {
      const example = exampleHistories.find((e) => e.id === id);
      if (!example) throw new Error(`no example ${id}`);
      return classifyHistory(example.history(1)).verdicts.find((v) => v.model === model)?.holds;
    };
    expect(holds('linearizable', 'linearizable')).toBe(true);
    expect([holds('sequential', 'sequential'), holds('sequential', 'linearizable')]).toEqual([true, false]);
    expect([holds('causal', 'causal'), holds('causal', 'sequential')]).toEqual([true, false]);
    expect([holds('pram', 'PRAM'), holds('pram', 'causal')]).toEqual([true, false]);
    expect([holds('per-key', 'monotonic-reads'), holds('per-key', 'PRAM')]).toEqual([true, false]);
    expect([
      holds('monotonic-reads', 'read-your-writes'),
      holds('monotonic-reads', 'monotonic-reads'),
    ]).toEqual([true, false]);
    expect([holds('eventual', 'eventual'), holds('eventual', 'read-your-writes')]).toEqual([true, false]);
  });

  it('the recorded examples run for a seed; the mutant store breaks causality on its pinned seed', () => {
    for (const example of exampleHistories.filter((e) => e.seeded))
      expect(example.history(3).length).toBeGreaterThan(20);
    const mutant = exampleHistories.find((e) => e.id === 'causal-mutant');
    expect(mutant && checkCausal(registerHistory(mutant.history(2))).holds).toBe(false);
  });
});

describe('recorded examples judged against their versions', () => {
  it('round-robin reads over standbys break monotonic reads on some seed; the causal store keeps them', () => {
    const of = (id: string) => exampleHistories.find((e) => e.id === id) as (typeof exampleHistories)[number];
    const verdict = (id: string, seed: number, model: string) => {
      const history = of(id).history(seed);
      return classifyHistory(history, { versionOf: versionsOf(history), maxStates: 20_000 }).verdicts.find(
        (v) => v.model === model,
      )?.holds;
    };
    const broken = [1, 2, 3, 4].filter(
      (seed) => verdict('replication-round-robin', seed, 'monotonic-reads') === false,
    );
    expect(broken.length).toBeGreaterThan(0);
    expect(verdict('causal-store', 1, 'monotonic-reads')).toBe(true);
  });

  it('the quorum store: QUORUM/QUORUM is linearizable, ONE/ONE is not on some seed', () => {
    const of = (id: string) => exampleHistories.find((e) => e.id === id) as (typeof exampleHistories)[number];
    const linearizable = (id: string, seed: number) =>
      classifyHistory(of(id).history(seed), { maxStates: 20_000 }).verdicts[0]?.holds;
    expect(linearizable('quorum-quorum', 1)).toBe(true);
    expect([1, 2, 3].some((seed) => linearizable('quorum-one', seed) === false)).toBe(true);
  });
});

// Runs of the quorum store whose reads return siblings, on the consistency ladder of `@dslab/check`
// (catalog B4 on B2 histories). The client records a read of several siblings as an array of values,
// so the classifier is told to read arrays as siblings (`siblingArrays`).
import { describe, expect, it } from 'vitest';
import { classifyHistory, type Classification, type History, type LadderModel } from '@dslab/check';
import { buildQuorumCluster, quorumParams, type QuorumCluster } from './cluster';
import type { Level } from './messages';
import { runOneKey } from './one-key-run';
import { read, write } from './scenarios/support';
import { emptyVector, type ConflictMode } from './versions';

const holds = (c: Classification, model: LadderModel) => c.verdicts.find((v) => v.model === model);
const SERIAL_ORDER_MODELS: readonly LadderModel[] = [
  'linearizable',
  'sequential',
  'PRAM',
  'consistent-prefix',
];

/**
 * The classic case of Preguiça et al. on one server, recorded: c1 writes v1; c3 reads it; c2 writes v2
 * knowing nothing; c3 writes v3 with the context of its read; c1 reads what is left.
 */
function classicCase(conflict: ConflictMode): { history: History; c: Classification } {
  const cluster = buildQuorumCluster(
    quorumParams.parse({
      nodes: 1,
      replicas: 1,
      conflict,
      readLevel: 'one',
      writeLevel: 'one',
      sloppy: false,
      clients: 3,
    }),
    1,
    { client: () => ({ workload: undefined }) },
  );
  write(cluster, 'c1', 'x', 'v1', 'one', { context: emptyVector() });
  read(cluster, 'c3', 'x', 'one');
  write(cluster, 'c2', 'x', 'v2', 'one', { context: emptyVector() });
  write(cluster, 'c3', 'x', 'v3', 'one');
  read(cluster, 'c1', 'x', 'one');
  const history = cluster.recorder.history();
  return { history, c: classifyHistory(history, { siblingArrays: true }) };
}

describe('the classic case, recorded and classified', () => {
  it('dotted version vectors return {v2, v3}: causal, and no serial-order model', () => {
    const { history, c } = classicCase('dvv');
    expect(history[4]?.output).toEqual(['v2', 'v3']);
    expect(c.strongest).toBe('causal');
    for (const m of SERIAL_ORDER_MODELS) {
      expect(holds(c, m)).toMatchObject({ holds: false, operations: [4] });
      expect(holds(c, m)?.counterexample).toMatch(/c1 read \{x=\{"v2", "v3"\}\}.* returned 2 siblings of x/);
    }
  });

  it('per-server version vectors return {v1, v2, v3}: v1 was overwritten by v3 in the read’s causal past', () => {
    const { history, c } = classicCase('vv');
    expect(history[4]?.output).toEqual(['v1', 'v2', 'v3']);
    // The false conflict is a causal violation: the write of v1, the write of v3 that read it, the read.
    expect(holds(c, 'causal')).toMatchObject({ holds: false, operations: [0, 3, 4] });
    expect(holds(c, 'causal')?.counterexample).toMatch(/^WriteCORead/);
  });

  it('last-write-wins returns v3 alone: linearizable, though v2 was dropped without a trace', () => {
    const { history, c } = classicCase('lww');
    expect(history[4]?.output).toBe('v3');
    expect(c.strongest).toBe('linearizable');
  });
});

describe('random runs with dotted version vectors and siblings', () => {
  /** Four clients on one key, 400 ops/s for 1.5 s under a long-tail network, then one read each after settling. */
  function run(
    level: Level,
    seed: number,
  ): { cluster: QuorumCluster; c: Classification; siblingReads: number } {
    const cluster = runOneKey({ conflict: 'dvv', level, seed, durationMs: 1_500 });
    for (const client of cluster.clients) read(cluster, client, 'k0', level);
    const history = cluster.recorder.history();
    let siblingReads = 0;
    for (const op of history) if (op.f === 'read' && Array.isArray(op.output)) siblingReads++;
    const c = classifyHistory(history, { siblingArrays: true, settleMs: 500, maxStates: 20_000 });
    return { cluster, c, siblingReads };
  }

  it('QUORUM with blocking read repair and no faults: siblings everywhere, causal, converged', () => {
    for (const seed of [1, 2, 3]) {
      const { c, siblingReads } = run('quorum', seed);
      expect(siblingReads).toBeGreaterThan(20);
      for (const m of SERIAL_ORDER_MODELS) expect(holds(c, m)?.counterexample).toMatch(/siblings of k0/);
      expect(holds(c, 'causal')?.holds).toBe(true);
      expect(holds(c, 'eventual')?.holds).toBe(true);
      expect(c.maximal).toEqual(['causal', 'eventual']);
    }
  });

  it('ONE with no read repair: a session’s own overwritten write comes back as a sibling (not causal)', () => {
    for (const seed of [2, 3]) {
      const { c } = run('one', seed);
      const causal = holds(c, 'causal');
      expect(causal?.counterexample).toMatch(/^WriteCORead/);
      // The value read, the session's later write that overwrote it, and the read: one client's three.
      expect(causal?.operations).toHaveLength(3);
      expect(causal?.counterexample).toMatch(
        /^WriteCORead: (c\d)[.\d]* read k0 .* returns \1[.\d]* write .* which \1[.\d]* write/,
      );
      // Anti-entropy still brings every replica to the same siblings once writes stop.
      expect(holds(c, 'eventual')?.holds).toBe(true);
    }
  });
});

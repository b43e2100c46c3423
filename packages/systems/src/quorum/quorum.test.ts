import { Rng } from '@dslab/sim';
import { describe, expect, it } from 'vitest';
import { buildQuorumCluster, convergenceProblem, quorumParams, settle } from './cluster';
import { QuorumObserver, INVARIANTS } from './invariants';
import { MerkleTree, diffTrees, leafOf } from './merkle';
import { classicCase } from './scenarios/siblings';
import { read, valuesRead, write } from './scenarios/support';
import {
  MAX_SIBLINGS,
  contextOf,
  coordinateWrite,
  descends,
  emptyVector,
  merge,
  sameState,
  valuesOf,
  vector,
  type ConflictMode,
  type Stored,
} from './versions';
import { quorumSystem } from './index';

/** The classic case on one server "A", straight on the version functions. */
function classic(mode: ConflictMode): string[] {
  let state: Stored | undefined;
  const put = (value: string, context = emptyVector(), ts = 0) => {
    const out = coordinateWrite(mode, state, 'A', value, context, ts);
    if (!out.ok) throw new Error(out.error);
    state = out.state;
    return contextOf(state);
  };
  const afterV1 = put('v1', emptyVector(), 1);
  put('v2', emptyVector(), 2);
  put('v3', afterV1, 3);
  return valuesOf(state).sort();
}

describe('versions', () => {
  it('the classic case: DVV keeps exactly {v2, v3}; per-server vectors report a false conflict; LWW keeps v3', () => {
    expect(classic('dvv')).toEqual(['v2', 'v3']);
    expect(classic('vv')).toEqual(['v1', 'v2', 'v3']);
    expect(classic('lww')).toEqual(['v3']);
  });

  it('the classic case comes out the same through the store’s nodes', () => {
    expect(classicCase('dvv', 1)).toEqual(['v2', 'v3']);
    expect(classicCase('vv', 1)).toEqual(['v1', 'v2', 'v3']);
  });

  it('sync is commutative, associative and idempotent, and the result descends both sides (random DVV histories)', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 200; trial++) {
      // Three replicas coordinating writes with random (possibly stale) contexts, exchanging states.
      const replicas: (Stored | undefined)[] = [undefined, undefined, undefined];
      const seen: ReturnType<typeof contextOf>[] = [emptyVector()];
      for (let step = 0; step < 12; step++) {
        const r = rng.int(3);
        if (rng.chance(0.6)) {
          const context = seen[rng.int(seen.length)] ?? emptyVector();
          const out = coordinateWrite('dvv', replicas[r], `n${r}`, `w${trial}-${step}`, context, step);
          if (out.ok) {
            replicas[r] = out.state;
            seen.push(contextOf(out.state));
          }
        } else {
          const from = replicas[rng.int(3)];
          if (from) {
            const m = merge(replicas[r], from);
            if (m.ok) replicas[r] = m.state;
          }
        }
      }
      const [a, b, c] = replicas.map((s) => s ?? ({ kind: 'dvv', siblings: [] } as Stored)) as [
        Stored,
        Stored,
        Stored,
      ];
      const ab = merge(a, b);
      const ba = merge(b, a);
      expect(ab.ok && ba.ok && sameState(ab.state, ba.state)).toBe(true);
      if (!ab.ok) continue;
      expect(descends(ab.state, a) && descends(ab.state, b)).toBe(true);
      const aa = merge(a, a);
      expect(aa.ok && sameState(aa.state, a)).toBe(true);
      const left = merge(ab.state, c);
      const bc = merge(b, c);
      const right = bc.ok ? merge(a, bc.state) : bc;
      expect(left.ok && right.ok && sameState(left.state, right.state)).toBe(true);
    }
  });

  it('refuses a write past MAX_SIBLINGS instead of dropping a sibling', () => {
    let state: Stored | undefined;
    let refused = 0;
    for (let i = 0; i <= MAX_SIBLINGS; i++) {
      const out = coordinateWrite('vv', state, 'A', `v${i}`, emptyVector(), i);
      if (out.ok) state = out.state;
      else refused++;
    }
    expect(valuesOf(state)).toHaveLength(MAX_SIBLINGS);
    expect(refused).toBe(1);
  });

  it('last-write-wins orders by timestamp, whatever arrives first', () => {
    const early: Stored = { kind: 'lww', value: 'a', ts: 5 };
    const late: Stored = { kind: 'lww', value: 'b', ts: 3 };
    const m = merge(early, late);
    expect(m.ok && valuesOf(m.state)).toEqual(['a']);
    expect(
      vector([
        ['b', 1],
        ['a', 2],
      ]),
    ).toEqual({ a: 2, b: 1 });
  });
});

describe('Merkle trees', () => {
  it('the walk from the root finds exactly the leaves whose keys differ, for far fewer bytes than the entries', () => {
    const entries: [string, number][] = Array.from({ length: 2_000 }, (_, i) => [`key${i}`, i]);
    const changed = new Set(['key7', 'key500', 'key1999']);
    const other = entries.map(([k, d]): [string, number] => [k, changed.has(k) ? d + 1 : d]);
    const depth = 8;
    const diff = diffTrees(MerkleTree.build(entries, depth), MerkleTree.build(other, depth));
    expect(diff.leaves.sort((a, b) => a - b)).toEqual(
      [...new Set([...changed].map((k) => leafOf(k, depth)))].sort((a, b) => a - b),
    );
    expect(diff.roundTrips).toBe(depth + 1);
    expect(diff.bytes).toBeLessThan(400);
    expect(diffTrees(MerkleTree.build(entries, depth), MerkleTree.build(entries, depth)).leaves).toEqual([]);
  });
});

describe('the invariants’ own reading of the rules', () => {
  it('flags a DVV merge that drops a concurrent sibling, and a repair that moves a replica back', () => {
    const observer = new QuorumObserver();
    const v2: Stored = { kind: 'dvv', siblings: [{ dot: { node: 'A', counter: 2 }, past: {}, value: 'v2' }] };
    const v3: Stored = {
      kind: 'dvv',
      siblings: [{ dot: { node: 'A', counter: 3 }, past: { A: 1 }, value: 'v3' }],
    };
    observer.applied('n1', 'x', v2, v3, v3, 'replicate');
    expect(observer.problems[INVARIANTS.dvvKeepsDots]).toMatch(/v2 \(A:2\) is gone/);
    const newer: Stored = { kind: 'lww', value: 'new', ts: 9 };
    const older: Stored = { kind: 'lww', value: 'old', ts: 1 };
    observer.applied('n1', 'y', newer, older, older, 'repair');
    expect(observer.problems[INVARIANTS.repairMonotone]).toMatch(/moved n1's y back/);
  });
});

describe('the store', () => {
  it('keeps its data and its generation across a crash, and converges after one', () => {
    const cluster = buildQuorumCluster(
      quorumParams.parse({ nodes: 3, replicas: 3, clients: 1, conflict: 'dvv' }),
      3,
      {
        client: () => ({ workload: undefined }),
      },
    );
    write(cluster, 'c1', 'x', 'a', 'all', { via: 'n1' });
    cluster.world.crash('n2');
    write(cluster, 'c1', 'x', 'b', 'quorum', { via: 'n1' });
    cluster.world.restart('n2');
    expect(valuesOf(cluster.node('n2').replica('x'))).toEqual(['a']); // what was on its disk
    cluster.world.runFor(cluster.params.failAfterMs);
    expect(settle(cluster, 5_000)).toBeDefined();
    expect(convergenceProblem(cluster)).toBeUndefined();
    expect(valuesRead(read(cluster, 'c1', 'x', 'one', 'n2'))).toEqual(['b']);
  });

  it('is deterministic per seed, and every fuzz mutant is caught on its pinned seed by the check it names', () => {
    const fuzz = quorumSystem.fuzz;
    expect(fuzz?.run(4).traceHash).toBe(fuzz?.run(4).traceHash);
    for (const mutant of fuzz?.pinned ?? []) {
      const outcome = fuzz?.run(mutant.seed, { mutant: mutant.name });
      expect(outcome?.check, `${mutant.name}: ${outcome?.failure}`).toBe(mutant.caughtBy);
    }
  });
});

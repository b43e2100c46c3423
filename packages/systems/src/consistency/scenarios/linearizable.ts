/**
 * CLAIMS B4 (holds): "Linearizability: once a write completes, every read that starts later sees it (or
 * something newer)." The same store, the same random workload: every session on one replica, and the
 * sessions spread over three replicas that replicate asynchronously. The classifier judges each history;
 * the reads that returned a value superseded before they began are counted beside its verdict.
 */
import { classifyHistory } from '@dslab/check';
import type { Scenario, ScenarioResult } from '../../contract';
import { buildCausalCluster, causalParams } from '../cluster';
import { sum, supersededReads } from './support';

interface LinRun {
  readonly linearizable: boolean | 'unknown';
  readonly strongest: string;
  readonly reads: number;
  readonly superseded: number;
  readonly counterexample: string | undefined;
  readonly hash: string;
}

const MAX_STATES = 50_000;

function runStore(seed: number, replicas: number, durationMs: number): LinRun {
  const cluster = buildCausalCluster(
    causalParams.parse({ replicas, clients: 4, keys: 2, writeShare: 0.3, thinkMs: 15, durationMs }),
    seed,
  );
  cluster.world.runFor(durationMs);
  for (const id of cluster.clients) cluster.client(id).stopped = true;
  cluster.world.runFor(500);
  const history = cluster.recorder.history();
  const c = classifyHistory(history, { maxStates: MAX_STATES });
  const lin = c.verdicts.find((v) => v.model === 'linearizable');
  const figures = supersededReads(history);
  return {
    linearizable: lin?.holds ?? 'unknown',
    strongest: c.strongest,
    ...figures,
    counterexample: lin?.counterexample,
    hash: cluster.world.traceHash().slice(0, 8),
  };
}

export const linearizableReads: Scenario = {
  id: 'linearizable-reads',
  title: 'Linearizability: a completed write is seen by every later read',
  claim:
    'Linearizability: once a write completes, every read that starts later sees it (or something newer).',
  expected: 'holds',
  rows: ['B4'],
  run({ seed, quick }): ScenarioResult {
    const runs = quick ? 2 : 6;
    const durationMs = quick ? 600 : 1_500;
    const one = Array.from({ length: runs }, (_, i) => runStore(seed * 100 + i, 1, durationMs));
    const three = Array.from({ length: runs }, (_, i) => runStore(seed * 100 + i, 3, durationMs));
    const oneLin = one.filter((r) => r.linearizable === true).length;
    const threeNot = three.filter((r) => r.linearizable === false).length;
    const oneSuperseded = sum(one, (r) => r.superseded);
    const threeSuperseded = sum(three, (r) => r.superseded);
    // The claim is the definition: it holds when the classifier's verdict and the count agree on both stores.
    const holds = oneLin === runs && oneSuperseded === 0 && threeNot === runs && threeSuperseded > 0;
    const example = three.find((r) => r.counterexample !== undefined);
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `One replica serving every session: ${oneLin} of ${runs} histories linearizable, ${oneSuperseded} of ${sum(one, (r) => r.reads)} reads ` +
        `returned a value superseded before they began. Three asynchronous replicas, same workload: ${threeNot} of ${runs} not linearizable, ` +
        `${threeSuperseded} of ${sum(three, (r) => r.reads)} reads missed a write that had completed before they started ` +
        `(strongest model: ${[...new Set(three.map((r) => r.strongest))].join(', ')}).`,
      measurements: {
        runs,
        oneReplicaLinearizable: oneLin,
        oneReplicaReads: sum(one, (r) => r.reads),
        oneReplicaSuperseded: oneSuperseded,
        threeReplicasNotLinearizable: threeNot,
        threeReplicasReads: sum(three, (r) => r.reads),
        threeReplicasSuperseded: threeSuperseded,
      },
      tables: [
        {
          title: 'Each run, classified',
          columns: ['store', 'run', 'linearizable', 'strongest model', 'reads', 'superseded reads'],
          rows: [
            ...one.map((r, i) => [
              'one replica',
              i + 1,
              String(r.linearizable),
              r.strongest,
              r.reads,
              r.superseded,
            ]),
            ...three.map((r, i) => [
              'three replicas',
              i + 1,
              String(r.linearizable),
              r.strongest,
              r.reads,
              r.superseded,
            ]),
          ],
        },
      ],
      ...(example ? { counterexample: example.counterexample } : {}),
      traceHash: [...one, ...three].map((r) => r.hash).join(''),
    };
  },
};

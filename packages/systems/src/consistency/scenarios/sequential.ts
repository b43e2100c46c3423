/**
 * CLAIMS B4 (holds): "Sequential consistency: one order agreed by all, not necessarily real time." One
 * writer on the first replica writes two keys in turn; readers on the other two replicas read them. Each
 * replica applies the writer's writes in the writer's order (each depends on the one before), so every
 * reader sees a prefix of that one order — late, because replication is asynchronous. The classifier
 * finds an order of all operations that keeps every session's (sequential), and none that also keeps
 * real time (not linearizable).
 */
import { classifyHistory } from '@dslab/check';
import type { Scenario, ScenarioResult } from '../../contract';
import { buildCausalCluster, causalParams } from '../cluster';
import { loop, sum, supersededReads } from './support';

interface SeqRun {
  readonly linearizable: boolean | 'unknown';
  readonly sequential: boolean | 'unknown';
  readonly operations: number;
  readonly superseded: number;
  readonly counterexample: string | undefined;
  readonly hash: string;
}

function runOneWriter(seed: number, durationMs: number): SeqRun {
  const cluster = buildCausalCluster(
    causalParams.parse({ replicas: 3, clients: 5, keys: 2, workload: false, durationMs }),
    seed,
    'hash',
    // c1 writes on r1; c2 and c4 read on r2, c3 and c5 on r3.
    { clientAt: (i) => (i === 0 ? 0 : 1 + ((i - 1) % 2)) },
  );
  const { world } = cluster;
  const writer = cluster.client('c1');
  let n = 0;
  loop(world, 10, durationMs, 12, (next) => {
    const key = n % 2 === 0 ? 'k1' : 'k2';
    n++;
    writer.put(key, writer.freshValue(), next);
  });
  for (const id of ['c2', 'c3', 'c4', 'c5']) {
    const reader = cluster.client(id);
    let turn = id === 'c2' || id === 'c3' ? 0 : 1;
    loop(world, 15, durationMs, 7, (next) => reader.get(turn++ % 2 === 0 ? 'k1' : 'k2', () => next()));
  }
  world.runFor(durationMs + 500);
  const history = cluster.recorder.history();
  const c = classifyHistory(history);
  const at = (model: string) => c.verdicts.find((v) => v.model === model);
  return {
    linearizable: at('linearizable')?.holds ?? 'unknown',
    sequential: at('sequential')?.holds ?? 'unknown',
    operations: history.length,
    superseded: supersededReads(history).superseded,
    counterexample: at('linearizable')?.counterexample,
    hash: world.traceHash().slice(0, 8),
  };
}

export const sequentialNotRealTime: Scenario = {
  id: 'sequential-not-real-time',
  title: 'Sequential consistency: one order for everyone, late',
  claim: 'Sequential consistency: one order agreed by all, not necessarily real time.',
  expected: 'holds',
  rows: ['B4'],
  run({ seed, quick }): ScenarioResult {
    const runs = quick ? 2 : 8;
    const durationMs = quick ? 300 : 600;
    const results = Array.from({ length: runs }, (_, i) => runOneWriter(seed * 100 + i, durationMs));
    const sequential = results.filter((r) => r.sequential === true).length;
    const notLinearizable = results.filter((r) => r.linearizable === false).length;
    const holds = sequential === runs && notLinearizable > 0;
    const example = results.find((r) => r.counterexample !== undefined);
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `One writer on r1, four readers on the lagging replicas r2 and r3: ${sequential} of ${runs} histories sequentially consistent ` +
        `(one order of all ${sum(results, (r) => r.operations)} operations keeping each session's), ${notLinearizable} of ${runs} not linearizable: ` +
        `${sum(results, (r) => r.superseded)} reads returned a value already overwritten before they began.`,
      measurements: {
        runs,
        sequential,
        notLinearizable,
        operations: sum(results, (r) => r.operations),
        supersededReads: sum(results, (r) => r.superseded),
      },
      tables: [
        {
          title: 'Each run, classified',
          columns: ['run', 'operations', 'sequential', 'linearizable', 'superseded reads'],
          rows: results.map((r, i) => [
            i + 1,
            r.operations,
            String(r.sequential),
            String(r.linearizable),
            r.superseded,
          ]),
        },
      ],
      ...(example ? { counterexample: example.counterexample } : {}),
      traceHash: results.map((r) => r.hash).join(''),
    };
  },
};

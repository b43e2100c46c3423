/** Raft with a replicated KV store on top (catalog A1). */
import { checkLinearizable, kvModel } from '@dslab/check';
import { InvariantViolation, type Env, type Message, type NodeFactory } from '@dslab/sim';
import type { LiveRun, RunSummary, SystemDefinition } from '../contract';
import { raftLive, raftMetrics } from './live';
import { buildRaftCluster, raftConfigFrom, raftParams, type RaftParams } from './cluster';
import { fuzzRaft } from './fuzz';
import { RaftNode } from './node';
import { raftScenarios } from './scenarios';
import { raftMutants, type RaftMessage } from './types';

export { RaftNode } from './node';
export { buildRaftCluster, raftParams, type RaftCluster, type RaftParams } from './cluster';
export { raftMutants } from './types';

export const raftSystem: SystemDefinition<RaftParams> = {
  id: 'raft',
  title: 'Raft and a replicated KV store',
  rows: ['A1'],
  view: 'raft',
  summary:
    'Leader election with randomized timeouts, log replication with fast back-off, commit by majority of the ' +
    'current term, durable term/vote/log, snapshots, ReadIndex and lease reads, pre-vote, check-quorum, ' +
    'leadership transfer and single-server membership changes — with a KV store whose client sessions make ' +
    'retries exactly-once, and a checker that watches every step.',
  params: raftParams,
  scenarios: raftScenarios,
  run(params, seed): RunSummary {
    const cluster = buildRaftCluster(params, seed);
    let violation: string | undefined;
    try {
      cluster.world.runFor(params.durationMs);
    } catch (error) {
      if (!(error instanceof InvariantViolation)) throw error;
      violation = error.message;
    }
    const history = cluster.recorder.history();
    const verdict = checkLinearizable(history, kvModel(null), { maxStates: 500_000 });
    return {
      seed,
      traceHash: cluster.world.traceHash(),
      events: cluster.world.stats.events,
      virtualMs: cluster.world.now(),
      metrics: raftMetrics(cluster),
      checks: {
        invariants: violation,
        linearizable: verdict.verdict === 'linearizable' ? undefined : `history is ${verdict.verdict}`,
      },
    };
  },
  fuzz: { mutants: raftMutants, pinned: [], run: fuzzRaft },
  clientProtocol: 'kv',
  live(params, seed): LiveRun {
    return raftLive(buildRaftCluster(params, seed));
  },
  serve(params, members): NodeFactory<Message> {
    const config = raftConfigFrom(params, members);
    const factory = (env: Env<RaftMessage>) => new RaftNode(env, config);
    return factory as unknown as NodeFactory<Message>;
  },
};

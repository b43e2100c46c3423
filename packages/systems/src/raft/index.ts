/** Raft with a replicated KV store on top (catalog A1). */
import { checkLinearizable, kvModel } from '@dslab/check';
import { InvariantViolation, type Env, type Message, type NodeFactory } from '@dslab/sim';
import type { LiveNodeView, LiveRun, RunSummary, SystemDefinition } from '../contract';
import { buildRaftCluster, raftConfigFrom, raftParams, type RaftCluster, type RaftParams } from './cluster';
import { fuzzRaft } from './fuzz';
import { RaftNode } from './node';
import { raftScenarios } from './scenarios';
import { raftMutants, type RaftMessage } from './types';

export { RaftNode } from './node';
export { buildRaftCluster, raftParams, type RaftCluster, type RaftParams } from './cluster';
export { raftMutants } from './types';

function metrics(cluster: RaftCluster): Record<string, number> {
  const { world } = cluster;
  let okOps = 0;
  let ops = 0;
  for (const id of cluster.clients) {
    if (!world.isUp(id)) continue;
    for (const op of cluster.client(id).completed) {
      ops++;
      if (op.ok) okOps++;
    }
  }
  const leader = cluster.leader();
  return {
    term: leader?.term ?? Math.max(0, ...cluster.liveServers().map((n) => n.term)),
    commitIndex: cluster.safety.commitIndex,
    elections: cluster.safety.elections,
    clientOps: ops,
    clientOpsOk: okOps,
    messages: world.stats.sent,
    messagesPerOp: okOps > 0 ? world.stats.sent / okOps : 0,
    dropped: world.stats.dropped,
  };
}

function view(cluster: RaftCluster): LiveRun['view'] {
  const { world } = cluster;
  return () => {
    const nodes: LiveNodeView[] = [];
    for (const id of cluster.servers) {
      const up = world.isUp(id);
      const node = up ? world.node<RaftNode>(id) : undefined;
      const s = node?.snapshot();
      const timer = node ? node.electionProgress() : 0;
      nodes.push({
        id,
        up,
        paused: up && world.isPaused(id),
        ...(s ? { role: s.role } : {}),
        facts: s
          ? {
              term: s.term,
              'last index': s.lastIndex,
              commit: s.commitIndex,
              applied: s.lastApplied,
              snapshot: s.snapshotIndex,
              'election timer': `${Math.round(timer * 100)}%`,
              ...Object.fromEntries(
                Object.entries(s.progress).map(([peer, p]) => [`${peer} match`, p.match]),
              ),
            }
          : {},
      });
    }
    for (const id of cluster.clients) {
      const up = world.isUp(id);
      const client = up ? cluster.client(id) : undefined;
      const inFlight = client?.inFlight;
      nodes.push({
        id,
        up,
        paused: up && world.isPaused(id),
        role: 'client',
        facts: client
          ? {
              done: client.completed.length,
              'in flight': inFlight ? `${inFlight.op.f} → ${inFlight.server}` : '—',
              retries: client.retries,
            }
          : {},
      });
    }
    return { nodes, metrics: metrics(cluster), checks: { 'raft safety': cluster.safety.report() } };
  };
}

export const raftSystem: SystemDefinition<RaftParams> = {
  id: 'raft',
  title: 'Raft and a replicated KV store',
  rows: ['A1'],
  track: 'Consensus and coordination',
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
      metrics: metrics(cluster),
      checks: {
        invariants: violation,
        linearizable: verdict.verdict === 'linearizable' ? undefined : `history is ${verdict.verdict}`,
      },
    };
  },
  fuzz: { mutants: raftMutants, run: fuzzRaft },
  live(params, seed): LiveRun {
    const cluster = buildRaftCluster(params, seed);
    return { world: cluster.world, view: view(cluster) };
  },
  serve(params, members): NodeFactory<Message> {
    const config = raftConfigFrom(params, members);
    const factory = (env: Env<RaftMessage>) => new RaftNode(env, config);
    return factory as unknown as NodeFactory<Message>;
  },
};

/** Raft with a replicated KV store on top (catalog A1). */
import type { Env, Message, NodeFactory } from '@dslab/sim';
import type { SystemDefinition } from '../contract';
import { simulatedSystem } from '../kit';
import { raftConfigFrom, raftParams, type RaftParams } from './cluster';
import { RaftNode } from './node';
import { raftSimulation } from './simulation';
import { raftScenarios } from './scenarios';
import type { RaftMessage } from './types';

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
  ...simulatedSystem(raftSimulation),
  clientProtocol: 'kv',
  serve(params, members): NodeFactory<Message> {
    const config = raftConfigFrom(params, members);
    const factory = (env: Env<RaftMessage>) => new RaftNode(env, config);
    return factory as unknown as NodeFactory<Message>;
  },
};

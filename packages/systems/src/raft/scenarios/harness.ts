/** Helpers scenarios share: drive a cluster to a state, send scripted requests, wait for leaders. */
import type { NodeId, World } from '@dslab/sim';
import {
  buildRaftCluster,
  raftParams,
  type BuildOptions,
  type RaftCluster,
  type RaftParams,
} from '../cluster';
import type { RaftNode } from '../node';
import type { ClientOp, RaftMessage } from '../types';

/**
 * A cluster whose clients issue nothing on their own (three servers, one client unless overridden):
 * scripted scenarios place every request themselves.
 */
export function scriptedCluster(
  overrides: Partial<RaftParams>,
  seed: number,
  options: Omit<BuildOptions, 'nextOp'> = {},
): RaftCluster {
  const params = raftParams.parse({ nodes: 3, clients: 1, opsPerSecond: 0, ...overrides });
  return buildRaftCluster(params, seed, { ...options, nextOp: () => undefined });
}

/** Runs until a live node among `among` leads (highest term), or `maxMs` passes. */
export function waitForLeader(
  cluster: RaftCluster,
  maxMs = 5_000,
  among?: readonly NodeId[],
): RaftNode | undefined {
  const pick = () => {
    let best: RaftNode | undefined;
    for (const node of cluster.liveServers()) {
      const id = node.id;
      if (among && !among.includes(id)) continue;
      if (node.role === 'leader' && (!best || node.term > best.term)) best = node;
    }
    return best;
  };
  cluster.world.runUntilCondition(() => pick() !== undefined, maxMs);
  return pick();
}

/**
 * Hands a request to `server` as if client `client` had sent it (the answer goes to that client node).
 * Scenario scripts use it to place an entry on one exact node.
 */
export function inject(
  cluster: RaftCluster,
  server: NodeId,
  client: NodeId,
  op: ClientOp,
  seq: number,
): number {
  const msg: RaftMessage = { type: 'request', client, seq, op };
  cluster.world.node<RaftNode>(server).onMessage(client, msg);
  return seq;
}

/** Terms in which some node became a candidate, collected from the trace as the world runs. */
export function campaignedTerms(world: World): Set<number> {
  const terms = new Set<number>();
  world.onTrace((event) => {
    if (event.kind === 'node' && event.name === 'candidate') terms.add((event.data as { term: number }).term);
  });
  return terms;
}

/** Helpers scenarios share: drive a cluster to a state, send scripted requests, wait for leaders. */
import type { NodeId } from '@dslab/sim';
import type { RaftCluster } from '../cluster';
import type { RaftNode } from '../node';
import type { ClientOp, RaftMessage } from '../types';

/** Runs until a live node among `among` leads (highest term), or `maxMs` passes. */
export function waitForLeader(
  cluster: RaftCluster,
  maxMs = 5_000,
  among?: readonly NodeId[],
): RaftNode | undefined {
  const pick = () => {
    let best: RaftNode | undefined;
    for (const node of cluster.liveServers()) {
      const id = node.snapshot().id;
      if (among && !among.includes(id)) continue;
      if (node.role === 'leader' && (!best || node.term > best.term)) best = node;
    }
    return best;
  };
  cluster.world.runUntilCondition(() => pick() !== undefined, maxMs);
  return pick();
}

export function idOf(node: RaftNode): NodeId {
  return node.snapshot().id;
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

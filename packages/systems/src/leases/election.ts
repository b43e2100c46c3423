/** Builds the ZooKeeper-style election world: one ZooKeeper-like server and clients running the recipe. */
import { World, type Env, type TraceMode } from '@dslab/sim';
import { z } from 'zod';
import { simpleLink } from '../link-params';
import type { LeaseMessage } from './messages';
import { ZkClient, watchStrategies } from './zk-client';
import { ZkNode } from './zk-node';

export const ZK = 'zk';

export const electionParams = z
  .object({
    clients: z.number().int().min(2).max(64).default(8),
    watch: z.enum(watchStrategies).default('predecessor'),
    sessionTimeoutMs: z.number().min(10).max(600_000).default(400),
    holdMs: z.number().min(1).max(600_000).default(100),
    rejoinMs: z.number().min(1).max(600_000).default(50),
    latencyMs: z.number().min(0).max(10_000).default(1),
    jitterMs: z.number().min(0).max(10_000).default(2),
    durationMs: z.number().positive().max(3_600_000).default(5_000),
  })
  .strict();

export type ElectionParams = z.infer<typeof electionParams>;

export interface ElectionCluster {
  readonly world: World;
  readonly clients: readonly string[];
  /** Leaderships begun, and the most clients that led at once. */
  readonly leaders: { current: number; most: number; terms: number };
}

export function buildElectionWorld(
  params: ElectionParams,
  seed: number,
  trace: TraceMode = 'hash',
): ElectionCluster {
  const world = new World({ seed, trace, network: simpleLink(params) });
  const leaders = { current: 0, most: 0, terms: 0 };
  world.addNode(
    ZK,
    (env: Env<LeaseMessage>) => new ZkNode(env, { sessionTimeoutMs: params.sessionTimeoutMs }),
  );
  const clients = Array.from({ length: params.clients }, (_, i) => `z${i + 1}`);
  const config = {
    server: ZK,
    watch: params.watch,
    sessionTimeoutMs: params.sessionTimeoutMs,
    holdMs: params.holdMs,
    rejoinMs: params.rejoinMs,
    requestTimeoutMs: 100,
    onLeader: (_client: string, leading: boolean) => {
      leaders.current += leading ? 1 : -1;
      if (leading) leaders.terms++;
      leaders.most = Math.max(leaders.most, leaders.current);
    },
  };
  for (const id of clients) world.addNode(id, (env: Env<LeaseMessage>) => new ZkClient(env, config));
  return { world, clients, leaders };
}

/** Watch notifications the clients received, in all. */
export function notificationsReceived(cluster: ElectionCluster): number {
  let total = 0;
  for (const id of cluster.clients) total += cluster.world.node<ZkClient>(id).notifications;
  return total;
}

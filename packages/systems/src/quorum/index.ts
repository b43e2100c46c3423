/** A Dynamo-style leaderless quorum store (catalog B2), and CAP / PACELC side by side with the Raft KV (B3). */
import type { LiveNodeView, SystemDefinition } from '../contract';
import { simulatedSystem, type SimulationSpec } from '../kit';
import {
  buildQuorumCluster,
  maxSiblings,
  pendingHints,
  quorumParams,
  divergentKeys,
  type QuorumCluster,
  type QuorumParams,
} from './cluster';
import { INVARIANTS } from './invariants';
import { quorumFuzz } from './fuzz';
import { quorumScenarios } from './scenarios';
import { quorumDetail } from './view-detail';

export { buildQuorumCluster, quorumParams, type QuorumCluster, type QuorumParams } from './cluster';
export { quorumMutants } from './messages';

function nodeCards(cluster: QuorumCluster): LiveNodeView[] {
  const { world } = cluster;
  return [
    ...cluster.nodes.map((id): LiveNodeView => {
      const up = world.isUp(id);
      if (!up) return { id, up, paused: false, role: 'crashed', facts: {} };
      const s = cluster.node(id).snapshot();
      return {
        id,
        up,
        paused: world.isPaused(id),
        role: s.hints.length > 0 ? 'holding hints' : 'replica',
        facts: {
          keys: s.keys,
          hints: s.hints.length,
          'max siblings': s.maxSiblings,
          'believes up': s.up.length,
          coordinated: s.stats.coordinatedGets + s.stats.coordinatedPuts,
          timeouts: s.stats.timeouts,
          repairs: s.stats.repairsSent,
          'AE bytes': s.stats.aeBytes,
        },
      };
    }),
    ...cluster.clients.map((id): LiveNodeView => {
      const c = cluster.client(id).counts;
      return {
        id,
        up: true,
        paused: world.isPaused(id),
        role: 'client',
        facts: { ok: c.ok, failed: c.failed, unknown: c.unknown },
      };
    }),
  ];
}

function metrics(cluster: QuorumCluster): Record<string, number> {
  let ok = 0;
  let failed = 0;
  let unknown = 0;
  for (const id of cluster.clients) {
    const c = cluster.client(id).counts;
    ok += c.ok;
    failed += c.failed;
    unknown += c.unknown;
  }
  return {
    'ops ok': ok,
    'ops failed': failed,
    'writes unknown': unknown,
    'pending hints': pendingHints(cluster),
    'divergent keys': divergentKeys(cluster).length,
    'max siblings': maxSiblings(cluster),
    messages: cluster.world.stats.sent,
    dropped: cluster.world.stats.dropped,
  };
}

export const quorumSimulation: SimulationSpec<QuorumParams, QuorumCluster> = {
  systemId: 'quorum',
  build: (params, seed, trace) => buildQuorumCluster(params, seed, { trace }),
  durationMs: (params) => params.durationMs,
  metrics,
  nodes: nodeCards,
  detail: quorumDetail,
  liveChecks: (cluster) => {
    const out: Record<string, string | undefined> = {};
    for (const name of Object.values(INVARIANTS)) out[name] = cluster.observer.problems[name];
    return out;
  },
  fuzz: quorumFuzz,
};

export const quorumSystem: SystemDefinition<QuorumParams> = {
  id: 'quorum',
  title: 'Leaderless quorum store (Dynamo)',
  rows: ['B2', 'B3'],
  summary:
    'Any node coordinates; each key lives on the first N nodes of its ring walk; a request waits for W or R of them ' +
    '(ONE, QUORUM, ALL per request). Sloppy quorums with hinted handoff, read repair and Merkle-tree anti-entropy keep ' +
    'replicas in step; conflicts go by last-write-wins, per-server version vectors or dotted version vectors with siblings. ' +
    'The checker shows where W + R > N is not linearizable, and the same partition is applied to this store and to the Raft KV.',
  params: quorumParams,
  scenarios: quorumScenarios,
  view: 'quorum',
  ...simulatedSystem(quorumSimulation),
};

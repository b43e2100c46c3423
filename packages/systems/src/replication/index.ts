/** Leader–follower replication with a WAL, LSNs, synchronous commit levels and failover (catalog B1). */
import type { LiveNodeView, SystemDefinition } from '../contract';
import { simulatedSystem, type SimulationSpec } from '../kit';
import {
  MANAGER,
  buildReplicationCluster,
  currentPrimary,
  lostAcknowledged,
  replicationParams,
  sessionCheck,
  type ReplicationCluster,
  type ReplicationParams,
} from './cluster';
import { replicationFuzz } from './fuzz';
import { INVARIANTS } from './invariants';
import { replicationScenarios } from './scenarios';
import { replicationDetail } from './view-detail';
import { formatLsn } from './wal';

export {
  buildReplicationCluster,
  replicationParams,
  type ReplicationCluster,
  type ReplicationParams,
} from './cluster';
export { replicationMutants, commitLevels, type CommitLevel } from './messages';
export type { ReplicationLiveDetail } from './view-detail';

function nodeCards(cluster: ReplicationCluster): LiveNodeView[] {
  const { world } = cluster;
  const cards: LiveNodeView[] = cluster.dataNodes.map((id): LiveNodeView => {
    const up = world.isUp(id);
    if (!up) return { id, up, paused: false, role: 'crashed', facts: {} };
    const s = cluster.node(id).snapshot();
    return {
      id,
      up,
      paused: world.isPaused(id),
      role: s.role,
      facts: {
        timeline: s.timeline,
        write: formatLsn(s.write),
        flush: formatLsn(s.flush),
        replay: formatLsn(s.replay),
        records: s.records,
        ...(s.role === 'primary' ? { lease: s.leaseValid ? 'held' : 'none', waiting: s.commitWaiters } : {}),
        ...(s.role !== 'primary' ? { upstream: s.upstream ?? '—', 'reads waiting': s.readWaiters } : {}),
      },
    };
  });
  const manager = cluster.manager();
  cards.push({
    id: MANAGER,
    up: world.isUp(MANAGER),
    paused: world.isPaused(MANAGER),
    role: manager.failingOver ? 'failing over' : 'manager',
    facts: { primary: manager.primary, timeline: manager.timeline, failovers: manager.failovers.length },
  });
  for (const id of cluster.clients) {
    const c = cluster.client(id);
    cards.push({
      id,
      up: true,
      paused: world.isPaused(id),
      role: 'client',
      facts: {
        ok: c.counts.ok,
        failed: c.counts.failed,
        unknown: c.counts.unknown,
        token: formatLsn(c.token),
      },
    });
  }
  return cards;
}

function metrics(cluster: ReplicationCluster): Record<string, number> {
  const primary = currentPrimary(cluster);
  const end = primary !== undefined ? cluster.node(primary).positions().flush : 0;
  let maxLag = 0;
  for (const id of cluster.dataNodes) {
    if (id === primary || !cluster.world.isUp(id) || primary === undefined) continue;
    maxLag = Math.max(maxLag, end - cluster.node(id).positions().replay);
  }
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
    'max replay lag (bytes)': Math.max(0, maxLag),
    failovers: cluster.manager().failovers.length,
    'acknowledged writes lost': lostAcknowledged(cluster).length,
    messages: cluster.world.stats.sent,
  };
}

export const replicationSimulation: SimulationSpec<ReplicationParams, ReplicationCluster> = {
  systemId: 'replication',
  build: (params, seed, trace) => buildReplicationCluster(params, seed, { trace }),
  durationMs: (params) => params.durationMs,
  metrics,
  nodes: nodeCards,
  detail: replicationDetail,
  liveChecks: (cluster) => {
    const out: Record<string, string | undefined> = {};
    for (const name of Object.values(INVARIANTS)) out[name] = cluster.observer.problems[name];
    const session = sessionCheck(cluster);
    for (const guarantee of ['read-your-writes', 'monotonic-reads'] as const) {
      const first = session.violations.find((v) => v.guarantee === guarantee);
      out[guarantee] = first ? `${session.counts[guarantee]} violations; first: ${first.detail}` : undefined;
    }
    return out;
  },
  fuzz: replicationFuzz,
};

export const replicationSystem: SystemDefinition<ReplicationParams> = {
  id: 'replication',
  title: 'Leader–follower replication (PostgreSQL-style WAL streaming)',
  rows: ['B1', 'B4'],
  summary:
    'A primary writes every commit to a write-ahead log addressed by LSN and streams it to standbys, which write, ' +
    'flush and replay it and report each position back. synchronous_commit decides when a commit returns (off, local, ' +
    'remote_write, on, remote_apply; FIRST k or ANY k standbys); a failover manager promotes the most advanced standby, ' +
    'with or without fencing the old primary. Sessions read from standbys with or without their LSN token, and the ' +
    'session checker judges read-your-writes and monotonic reads.',
  params: replicationParams,
  scenarios: replicationScenarios,
  view: 'replication',
  ...simulatedSystem(replicationSimulation),
};

/**
 * Leases, locks and fencing (catalog A2): a lease service with TTL renewal and fencing tokens, a storage
 * that checks them (or not), clients whose GC pauses outlive their leases; Redlock, Redis and etcd
 * locks; a term column as a lock; and ZooKeeper's election recipe with and without the herd.
 */
import type { LiveNodeView, SystemDefinition } from '../contract';
import { simulatedSystem, standardNemesis, type SimulationSpec } from '../kit';
import {
  buildLeaseWorld,
  FENCING_INVARIANT,
  leaseParams,
  lockClient,
  SINGLE_LEASE_INVARIANT,
  STORAGE,
  TOKENS_INVARIANT,
  type LeaseCluster,
  type LeaseParams,
} from './cluster';
import { leaseScenarios } from './scenarios';
import { leasesDetail } from './view-detail';

export { buildLeaseWorld, leaseParams, type LeaseCluster, type LeaseParams } from './cluster';
export { buildElectionWorld, electionParams } from './election';
export { LeaseLedger, type LeaseObserver, type LedgerWrite } from './ledger';
export { RedisNode } from './redis-node';
export { EtcdNode } from './etcd-node';
export { leaseMutants } from './mutants';
export type { LeasesLiveDetail } from './view-detail';

/** After the nemesis heals: time for leases to expire and a client to take the lock and write. */
const FINAL_PHASE_MS = 3_000;

function nodeCards(cluster: LeaseCluster): LiveNodeView[] {
  const { world } = cluster;
  return world.nodeIds().map((id): LiveNodeView => {
    const up = world.isUp(id);
    const paused = up && world.isPaused(id);
    const snapshot = up ? (world.node(id).snapshot() as Record<string, unknown>) : {};
    const facts: Record<string, string | number> = {};
    for (const [key, value] of Object.entries(snapshot))
      if (typeof value === 'number' || typeof value === 'string') facts[key] = value;
      else if (typeof value === 'boolean') facts[key] = value ? 'yes' : 'no';
    const role = cluster.clients.includes(id)
      ? snapshot['holds'] === true
        ? 'believes it holds'
        : 'waiting'
      : id === STORAGE
        ? 'storage'
        : 'lock service';
    return { id, up, paused, role, facts };
  });
}

export const leaseSimulation: SimulationSpec<LeaseParams, LeaseCluster> = {
  systemId: 'leases',
  build: (params, seed, trace) => buildLeaseWorld(params, seed, trace),
  durationMs: (params) => params.durationMs,
  metrics: ({ ledger }) => ({
    acquisitions: ledger.acquisitions,
    'lease grants': ledger.grants,
    'writes applied': ledger.accepted,
    'writes refused': ledger.rejected,
    'corrupting writes': ledger.corrupted,
    'most believers at once': ledger.maxBelievers,
    'overlap ms': Math.round(ledger.overlapMs),
  }),
  nodes: nodeCards,
  detail: leasesDetail,
  liveChecks: ({ ledger }) => ({
    'no write applied over a newer holder’s':
      ledger.corrupted > 0 ? `${ledger.corrupted} corrupting writes applied` : undefined,
  }),
  fuzz: {
    mutants: [
      {
        name: 'storage-ignores-tokens',
        breaks: 'the storage applies every write whatever its token',
        seed: 1,
        caughtBy: FENCING_INVARIANT,
      },
      {
        name: 'grant-before-expiry',
        breaks: 'the lease service grants the lock to another client once half the TTL has passed',
        seed: 0,
        caughtBy: SINGLE_LEASE_INVARIANT,
      },
      {
        name: 'tokens-not-durable',
        breaks:
          'the lease service keeps its token counter in memory only, so a restart hands out small tokens again',
        seed: 0,
        caughtBy: TOKENS_INVARIANT,
      },
      {
        name: 'lease-never-expires',
        breaks: 'the lease service never expires a lease, so a crashed holder keeps the lock forever',
        seed: 0,
        caughtBy: 'liveness',
      },
    ],
    params: (seed, mutant) =>
      leaseParams.parse({
        // Every third seed takes the lock through the etcd-like server, its revision the token.
        protocol: seed % 3 === 2 ? 'etcd-txn' : 'lease',
        clients: 3,
        ttlMs: 300,
        durationMs: 4_000,
        // Seeds vary how long holders keep the lock; the nemesis brings the pauses.
        holdMs: [0, 400, 900][seed % 4],
        gcPauseMs: 0,
        ...(mutant ? { mutant } : {}),
      }),
    nemesis: ({ world, targets }, seed, params) =>
      standardNemesis(world, seed, targets, {
        startMs: 200,
        endMs: params.durationMs,
        meanIntervalMs: 250,
        maxDurationMs: 900,
        maxDown: 2,
      }),
    drive: (cluster, params) => {
      const { world, ledger } = cluster;
      world.runFor(params.durationMs);
      const before = ledger.accepted;
      world.runFor(FINAL_PHASE_MS);
      if (ledger.accepted === before)
        return `no client took the lock and wrote in the ${FINAL_PHASE_MS} ms after the faults healed`;
      for (const id of cluster.clients) if (world.isUp(id)) lockClient(cluster, id).stop();
      return undefined;
    },
    finalChecks: [],
  },
};

export const leasesSystem: SystemDefinition<LeaseParams> = {
  id: 'leases',
  title: 'Leases, locks and fencing',
  rows: ['A2'],
  view: 'leases',
  summary:
    'Clients compete for a lock held under a lease with a TTL and renewed while held; each grant carries a fencing token ' +
    'that a storage service may check. A holder paused past its TTL wakes up and writes: refused by a fencing storage, ' +
    'applied over the newer holder’s writes by one that ignores tokens. Redlock, single-instance Redis and etcd locks, a term ' +
    'column used as a lock, and ZooKeeper’s election recipe run on the same clients, with their failures measured.',
  params: leaseParams,
  scenarios: leaseScenarios,
  ...simulatedSystem(leaseSimulation),
};

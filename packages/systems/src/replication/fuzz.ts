/**
 * How one fuzz seed of replication runs: a primary and two standbys with synchronous commit (`on` or
 * `remote_apply`, `FIRST 1` or `ANY 1`), fenced primaries, and clients reading from standbys with
 * their session's LSN, under partitions, crashes, pauses and lossy links; then a heal and a quiet
 * phase. The invariants are checked at every event; once the run is over, the standbys must have
 * caught up, no acknowledged write may be missing from the final primary, and every session must have
 * kept its guarantees.
 *
 * Clock faults are left out: fencing by lease assumes clocks that run at about the same rate (a
 * primary whose clock runs slow keeps writing after its lease ran out on the manager's), which is a
 * hazard of leases, not of replication (catalog A2).
 */
import { Rng } from '@dslab/sim';
import type { FuzzSpec } from '../kit';
import { standardNemesis } from '../kit';
import {
  MANAGER,
  catchUpProblem,
  lostAcknowledged,
  replicationParams,
  sessionCheck,
  settle,
  type ReplicationCluster,
  type ReplicationParams,
} from './cluster';
import { CATCH_UP_CHECK, DURABILITY_CHECK, INVARIANTS, SESSION_CHECK } from './invariants';
import type { ReplicationMutant } from './messages';

/** After the final heal: failover, rewinds and catch-up must finish within this. */
export const SETTLE_MS = 4_000;

/** Each mutant's first catching seed, measured with `dslab fuzz replication --mutant <name> --stop-on-first` and pinned. */
const mutants: FuzzSpec<ReplicationParams, ReplicationCluster>['mutants'] = [
  {
    name: 'ack-on-local-flush',
    breaks:
      'the primary acknowledges synchronous commits once they are flushed locally, without the standbys',
    seed: 0,
    caughtBy: INVARIANTS.syncAck,
  },
  {
    name: 'replay-past-flush',
    breaks: 'a standby replays records it has written but not yet flushed',
    seed: 0,
    caughtBy: INVARIANTS.positionsOrdered,
  },
  {
    name: 'accept-wal-gap',
    breaks: 'a standby appends a batch that starts past the end of its log (a batch before it was lost)',
    seed: 0,
    caughtBy: INVARIANTS.walMatches,
  },
  {
    name: 'gap-never-rerequested',
    breaks: 'a standby that sees the stream ahead of its log never asks to stream again from its end',
    seed: 0,
    caughtBy: CATCH_UP_CHECK,
  },
  {
    name: 'read-without-lsn-wait',
    breaks: "a standby answers a read at once, without waiting to replay the session's LSN",
    seed: 0,
    caughtBy: SESSION_CHECK,
  },
  {
    name: 'no-lease-check',
    breaks: 'a fenced primary keeps accepting and acknowledging writes after its lease ran out',
    seed: 7,
    caughtBy: INVARIANTS.singleWriter,
  },
  {
    name: 'promote-first-reply',
    breaks:
      'the manager promotes the most advanced of the standbys that answered first, without waiting for enough of them',
    seed: 12,
    caughtBy: DURABILITY_CHECK,
  },
];

export function fuzzParams(seed: number, mutant: string | undefined): ReplicationParams {
  const rng = new Rng(seed).fork('replication-params');
  const m = mutant as ReplicationMutant | undefined;
  return replicationParams.parse({
    standbys: 2,
    commitLevel: rng.next() < 0.5 ? 'on' : 'remote_apply',
    syncMethod: rng.next() < 0.5 ? 'first' : 'any',
    syncCount: 1,
    readPolicy: 'lsn-wait',
    clients: 4,
    opsPerSecond: 200,
    keys: 4,
    readFraction: 0.6,
    fenced: true,
    leaseMs: 200,
    failoverAfterMs: 400,
    durationMs: 3_000,
    ...(m !== undefined ? { mutant: m } : {}),
  });
}

export const replicationFuzz: FuzzSpec<ReplicationParams, ReplicationCluster> = {
  mutants,
  params: fuzzParams,
  nemesis: (cluster, seed, params) =>
    standardNemesis(cluster.world, seed, [...cluster.dataNodes, MANAGER], {
      startMs: 200,
      endMs: params.durationMs - 200,
      meanIntervalMs: 250,
      maxDurationMs: 800,
      families: ['partition', 'crash', 'pause', 'link'],
      baseLink: {
        latency: { kind: 'uniform', min: params.latencyMs, max: params.latencyMs + params.jitterMs },
        loss: 0,
        duplicate: 0,
      },
    }),
  drive: (cluster, params) => {
    cluster.world.runFor(params.durationMs);
    settle(cluster, SETTLE_MS);
    return undefined;
  },
  finalChecks: [
    { name: CATCH_UP_CHECK, check: catchUpProblem },
    {
      name: DURABILITY_CHECK,
      check: (cluster) => {
        const lost = lostAcknowledged(cluster);
        const first = lost[0];
        return first
          ? `${lost.length} acknowledged writes missing from the final primary, first ${first.key}=${first.value} (acknowledged to ${first.client} at ${first.ackedAt.toFixed(1)} ms)`
          : undefined;
      },
    },
    {
      name: SESSION_CHECK,
      check: (cluster) => {
        const result = sessionCheck(cluster);
        const first = result.violations[0];
        return first ? `${first.guarantee}: ${first.detail}` : undefined;
      },
    },
  ],
};

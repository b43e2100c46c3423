/**
 * CLAIMS B1: failover with asynchronous replication loses acknowledged writes (RPO > 0), synchronous
 * replication loses none and costs at least a round trip per commit; and split brain when the old
 * primary is not fenced.
 */
import type { Scenario, ScenarioResult } from '../../contract';
import { lostAcknowledged, type ReplicationCluster } from '../cluster';
import type { ReplicationParams } from '../cluster';
import { build, commitLatencies, quantile, round } from './support';

interface FailoverRun {
  readonly mode: string;
  readonly acknowledged: number;
  readonly lost: number;
  /** From the first lost acknowledgement to the crash: the window of acknowledged work lost. */
  readonly rpoMs: number;
  readonly commitP50: number;
  readonly promotedAfterMs: number;
  readonly hash: string;
}

const BLIP_AT = 700;
const CRASH_AT = 1_000;

/**
 * Six sessions commit about 320 times a second. With `blip`, the standbys lose the primary for 300 ms
 * (a network blip) just before it crashes, as a lagging standby would; without, the primary just
 * crashes. The manager promotes the most advanced standby; the old primary comes back later and rewinds.
 */
function runFailover(
  mode: string,
  overrides: Partial<ReplicationParams>,
  seed: number,
  blip: boolean,
): FailoverRun {
  const cluster: ReplicationCluster = build(
    { clients: 6, opsPerSecond: 400, readFraction: 0.2, keys: 8, durationMs: 2_600, ...overrides },
    seed,
  );
  const { world } = cluster;
  if (blip) {
    world.at(BLIP_AT, 'standbys lose the primary', () =>
      world.network.partition([
        ['n1', 'm'],
        ['n2', 'n3', 'm'],
      ]),
    );
    world.at(CRASH_AT + 100, 'heal', () => world.network.heal());
  }
  world.at(CRASH_AT, 'primary crashes', () => world.crash('n1'));
  world.at(2_000, 'old primary restarts', () => world.restart('n1'));
  world.runFor(2_600);
  cluster.phase = 'stop';
  world.runFor(1_000);
  const lost = lostAcknowledged(cluster);
  let firstLost = Infinity;
  for (const w of lost) firstLost = Math.min(firstLost, w.ackedAt);
  const failover = cluster.manager().failovers[0];
  let acknowledged = 0;
  for (const id of cluster.clients)
    for (const op of cluster.client(id).log) if (op.f === 'write' && op.outcome === 'ok') acknowledged++;
  return {
    mode,
    acknowledged,
    lost: lost.length,
    rpoMs: lost.length > 0 ? CRASH_AT - firstLost : 0,
    commitP50: quantile(commitLatencies(cluster), 0.5),
    promotedAfterMs: failover ? failover.promotedAt - CRASH_AT : NaN,
    hash: world.traceHash().slice(0, 8),
  };
}

export const failoverRpo: Scenario = {
  id: 'async-failover-loses-writes',
  title: 'Failover under asynchronous replication loses acknowledged commits',
  claim:
    'Failover with asynchronous replication loses acknowledged writes (RPO > 0); synchronous replication gives RPO = 0 and costs at least one round trip per commit.',
  expected: 'holds',
  rows: ['B1'],
  run({ seed }): ScenarioResult {
    const sync = { syncCount: 1, syncMethod: 'first', commitLevel: 'on' } as const;
    const runs = [
      runFailover('async, crash', { syncCount: 0 }, seed, false),
      runFailover('async, blip then crash', { syncCount: 0 }, seed, true),
      runFailover('sync on FIRST 1, crash', sync, seed, false),
      runFailover('sync on FIRST 1, blip then crash', sync, seed, true),
    ];
    const [asyncCrash, asyncBlip, syncCrash, syncBlip] = runs as [
      FailoverRun,
      FailoverRun,
      FailoverRun,
      FailoverRun,
    ];
    // A round trip on these links (1–3 ms each way): 4 ms on average.
    const rtt = 4;
    const extra = syncCrash.commitP50 - asyncCrash.commitP50;
    const holds = asyncBlip.lost > 0 && syncCrash.lost === 0 && syncBlip.lost === 0 && extra >= rtt;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `Asynchronous: a crash lost ${asyncCrash.lost} acknowledged commits (the standbys were a few ms behind); after a 300 ms blip it lost ${asyncBlip.lost} ` +
        `(RPO ${round(asyncBlip.rpoMs)} ms of acknowledged work). Synchronous (on, FIRST 1): ${syncCrash.lost} and ${syncBlip.lost} lost; ` +
        `its commits took ${round(extra, 2)} ms longer at the median (${round(syncCrash.commitP50, 2)} against ${round(asyncCrash.commitP50, 2)} ms), more than the ${rtt} ms round trip.`,
      measurements: {
        asyncCrashLost: asyncCrash.lost,
        asyncBlipLost: asyncBlip.lost,
        asyncBlipRpoMs: round(asyncBlip.rpoMs),
        syncCrashLost: syncCrash.lost,
        syncBlipLost: syncBlip.lost,
        asyncCommitP50Ms: round(asyncCrash.commitP50, 2),
        syncCommitP50Ms: round(syncCrash.commitP50, 2),
      },
      tables: [
        {
          title: 'Primary crash at 1 s, failover by the manager',
          columns: [
            'replication',
            'commits acknowledged',
            'acknowledged then lost',
            'RPO ms',
            'commit p50 ms',
            'promoted after ms',
          ],
          rows: runs.map((r) => [
            r.mode,
            r.acknowledged,
            r.lost,
            round(r.rpoMs),
            round(r.commitP50, 2),
            round(r.promotedAfterMs),
          ]),
        },
      ],
      ...(asyncBlip.lost > 0
        ? { counterexample: { lost: asyncBlip.lost, rpoMs: round(asyncBlip.rpoMs) } }
        : {}),
      traceHash: runs.map((r) => r.hash).join(''),
    };
  },
};

export interface SplitRun {
  readonly cluster: ReplicationCluster;
  readonly fenced: boolean;
  readonly staleAcks: number;
  readonly dualPrimaryMs: number;
  readonly lost: number;
  readonly hash: string;
}

/** The primary and one client are cut off from everything else for 2 s; the manager fails over meanwhile. */
export function runSplit(fenced: boolean, seed: number): SplitRun {
  const cluster = build(
    { syncCount: 0, fenced, clients: 2, opsPerSecond: 200, readFraction: 0, keys: 4, durationMs: 5_000 },
    seed,
    { clientsPartitionable: true },
  );
  const { world } = cluster;
  world.at(1_000, 'isolate n1 with c1', () =>
    world.network.partition([
      ['n1', 'c1'],
      ['n2', 'n3', 'm', 'c2'],
    ]),
  );
  world.at(3_000, 'heal', () => world.network.heal());
  world.runFor(5_000);
  cluster.phase = 'stop';
  world.runFor(1_000);
  const promotion = cluster.observer.promotions[0];
  let staleAcks = 0;
  let lastStale = -Infinity;
  if (promotion)
    for (const ack of cluster.observer.acks)
      if (ack.timeline < promotion.timeline && ack.at >= promotion.at) {
        staleAcks++;
        lastStale = Math.max(lastStale, ack.at);
      }
  return {
    cluster,
    fenced,
    staleAcks,
    dualPrimaryMs: promotion && staleAcks > 0 ? lastStale - promotion.at : 0,
    lost: lostAcknowledged(cluster).length,
    hash: world.traceHash().slice(0, 8),
  };
}

export const splitBrain: Scenario = {
  id: 'failover-split-brain',
  title: 'Automatic failover and the old primary: split brain without fencing',
  claim: 'Automatic failover leaves exactly one primary taking writes.',
  expected: 'partly',
  corrected:
    'Only if the old primary is fenced: it must stop committing before the new one is promoted (a lease it has to renew, ' +
    'or STONITH). Unfenced, an isolated old primary keeps acknowledging writes that the rewind later throws away. Even ' +
    'fenced, asynchronous commits acknowledged in the lease before the failover are lost.',
  rows: ['B1'],
  run({ seed }): ScenarioResult {
    const open = runSplit(false, seed);
    const fenced = runSplit(true, seed);
    const partly = open.staleAcks > 0 && fenced.staleAcks === 0;
    return {
      observed: partly ? 'partly' : open.staleAcks === 0 ? 'holds' : 'fails',
      summary:
        `Unfenced, the isolated old primary acknowledged ${open.staleAcks} writes after the new primary was promoted (two primaries for ${round(open.dualPrimaryMs)} ms); ` +
        `${open.lost} acknowledged writes were lost when it rejoined and rewound. With a 300 ms lease it had to renew, it acknowledged ${fenced.staleAcks} ` +
        `after the promotion, and ${fenced.lost} acknowledged writes (committed asynchronously within its last lease) were lost.`,
      measurements: {
        unfencedStaleAcks: open.staleAcks,
        unfencedDualPrimaryMs: round(open.dualPrimaryMs),
        unfencedLost: open.lost,
        fencedStaleAcks: fenced.staleAcks,
        fencedLost: fenced.lost,
      },
      tables: [
        {
          title: 'n1 and one client isolated for 2 s, asynchronous replication',
          columns: [
            'old primary',
            'writes acknowledged after the promotion',
            'two primaries for ms',
            'acknowledged writes lost',
          ],
          rows: [open, fenced].map((r) => [
            r.fenced ? 'fenced (lease)' : 'not fenced',
            r.staleAcks,
            round(r.dualPrimaryMs),
            r.lost,
          ]),
        },
      ],
      ...(open.staleAcks > 0
        ? { counterexample: { staleAcks: open.staleAcks, dualPrimaryMs: round(open.dualPrimaryMs) } }
        : {}),
      traceHash: open.hash + fenced.hash,
    };
  },
};

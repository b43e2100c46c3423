/** Durability: what acks 0 / 1 / all and unclean leader election do to acknowledged writes when a leader is lost. */
import type { Scenario } from '../../contract';
import { checkRun, drainCluster, type PlogCluster } from '../cluster';
import { splitPartitionId } from '../messages';
import { leaderLog, runCluster } from './support';

/**
 * Acknowledged sends missing from the final log of their partition once the healed cluster has settled,
 * and what the log checker says about the run (records lost, offsets that now hold other records).
 */
function lostAfterDrain(cluster: PlogCluster): {
  lost: number;
  acknowledged: number;
  drained: boolean;
  findings: number;
} {
  const drained = drainCluster(cluster, 10_000);
  const stored = new Set<string>();
  for (const state of cluster.controller().snapshot().partitions) {
    const { topic, partition } = splitPartitionId(state.id);
    for (const r of leaderLog(cluster, topic, partition)) if (r.value !== null) stored.add(r.value);
  }
  let lost = 0;
  let acknowledged = 0;
  for (const op of cluster.recorder.history()) {
    if (op.type !== 'send' || op.outcome !== 'ok') continue;
    acknowledged++;
    if (!stored.has(op.value)) lost++;
  }
  const result = checkRun(cluster);
  return { lost, acknowledged, drained, findings: result.counts.lost + result.counts.disagreement };
}

const truncatedIn = (cluster: PlogCluster): number =>
  cluster.brokers.reduce((n, b) => n + cluster.broker(b).truncated, 0);

export const acksDurability: Scenario = {
  id: 'acks-durability',
  title:
    'acks=all with min.insync.replicas=2 survives losing the leader; acks=1 and acks=0 lose acknowledged writes',
  claim:
    'acks=all with min.insync.replicas=2 loses no acknowledged write when the leader is lost; acks=1 and acks=0 can.',
  expected: 'holds',
  rows: ['G1'],
  run: ({ seed, quick }) => {
    const ms = quick ? 1_500 : 3_000;
    const measure = (acks: 0 | 1 | 'all') => {
      const cluster = runCluster(
        {
          partitions: 1,
          producers: 2,
          consumers: 1,
          acks,
          idempotent: acks === 'all',
          sendIntervalMs: 1,
          durationMs: ms,
        },
        seed,
        0,
      );
      // The leader is cut off from the other brokers and the controller, not from the clients: it goes on
      // acknowledging what only it has until the partition heals and it learns it was replaced.
      const leader = cluster.controller().snapshot().partitions[0]?.leader as string;
      const others = cluster.brokers.filter((b) => b !== leader);
      const clients = [...cluster.producers, ...cluster.consumers];
      cluster.world.at(ms / 4, `cut ${leader} off`, () =>
        cluster.world.network.partition([
          [leader, ...clients],
          [...others, cluster.controllerId, ...clients],
        ]),
      );
      cluster.world.at(ms / 4 + 600, 'heal', () => cluster.world.network.heal());
      cluster.world.runFor(ms);
      return { ...lostAfterDrain(cluster), truncated: truncatedIn(cluster) };
    };
    const all = measure('all');
    const one = measure(1);
    const zero = measure(0);
    const holds = all.drained && all.lost === 0 && one.lost > 0 && zero.lost > 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `A leader cut off from its followers and the controller for 600 ms: acks=all lost ${all.lost} of ${all.acknowledged} acknowledged writes; ` +
        `acks=1 lost ${one.lost} of ${one.acknowledged} (the old leader truncated ${one.truncated} records it had acknowledged alone); ` +
        `acks=0 lost ${zero.lost} of ${zero.acknowledged} it counted as sent.`,
      measurements: {
        allLost: all.lost,
        allAcknowledged: all.acknowledged,
        oneLost: one.lost,
        oneAcknowledged: one.acknowledged,
        oneTruncated: one.truncated,
        oneCheckerFindings: one.findings,
        zeroLost: zero.lost,
        zeroSent: zero.acknowledged,
      },
      tables: [
        {
          columns: [
            'acks',
            'acknowledged',
            'lost',
            'records truncated',
            'checker findings (lost, disagreement)',
          ],
          rows: [
            ['all', all.acknowledged, all.lost, all.truncated, all.findings],
            ['1', one.acknowledged, one.lost, one.truncated, one.findings],
            ['0', zero.acknowledged, zero.lost, zero.truncated, zero.findings],
          ],
        },
      ],
    };
  },
};

export const uncleanElection: Scenario = {
  id: 'unclean-election',
  title: 'Unclean leader election trades acknowledged writes for availability',
  claim:
    'With unclean.leader.election.enable a partition stays available when every in-sync replica is down, at the cost of acknowledged writes.',
  expected: 'holds',
  rows: ['G1'],
  run: ({ seed, quick }) => {
    const ms = quick ? 1_500 : 3_000;
    const measure = (unclean: boolean) => {
      const cluster = runCluster(
        {
          brokers: 2,
          replication: 2,
          minInsync: 1,
          partitions: 1,
          producers: 1,
          consumers: 1,
          uncleanElection: unclean,
          sendIntervalMs: 1,
          durationMs: ms,
        },
        seed,
        0,
      );
      const { world } = cluster;
      // The follower is cut off from the leader and falls out of the ISR; the leader acknowledges alone
      // (min.insync.replicas=1); then the leader crashes while the follower is still behind.
      world.at(200, 'cut b2 off from b1', () =>
        world.network.partition([
          ['b1', 'ctl', 'p1', 'c1'],
          ['b2', 'ctl', 'p1', 'c1'],
        ]),
      );
      world.at(700, 'crash b1', () => world.crash('b1'));
      world.at(750, 'heal', () => world.network.heal());
      world.at(ms - 300, 'restart b1', () => world.restart('b1'));
      let offlineSamples = 0;
      for (let t = 0; t < ms; t += 10) {
        world.runFor(10);
        if (cluster.controller().snapshot().partitions[0]?.leader === undefined) offlineSamples++;
      }
      return {
        ...lostAfterDrain(cluster),
        offlineMs: offlineSamples * 10,
        unclean: cluster.controller().uncleanElections,
        truncated: truncatedIn(cluster),
      };
    };
    const clean = measure(false);
    const unclean = measure(true);
    const holds = unclean.lost > 0 && clean.lost === 0 && clean.offlineMs > unclean.offlineMs;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `Clean election only: ${clean.lost} acknowledged writes lost, the partition offline for ${clean.offlineMs} ms until the old leader returned. ` +
        `Unclean election: offline ${unclean.offlineMs} ms, ${unclean.lost} of ${unclean.acknowledged} acknowledged writes lost ` +
        `(${unclean.unclean} unclean election; the returning leader truncated ${unclean.truncated} records).`,
      measurements: {
        cleanLost: clean.lost,
        cleanOfflineMs: clean.offlineMs,
        uncleanLost: unclean.lost,
        uncleanOfflineMs: unclean.offlineMs,
        uncleanElections: unclean.unclean,
        uncleanTruncated: unclean.truncated,
        uncleanCheckerFindings: unclean.findings,
      },
    };
  },
};

export const durabilityScenarios: readonly Scenario[] = [acksDurability, uncleanElection];

/** Delivery semantics: where the consumer commits decides what a crash does. */
import type { Scenario } from '../../contract';
import { drainCluster, type PlogCluster } from '../cluster';
import type { SendOp } from '@dslab/check';
import { runCluster } from './support';

function effectsOf(cluster: PlogCluster): { never: number; twice: number; acknowledged: number } {
  let never = 0;
  let twice = 0;
  let acknowledged = 0;
  for (const op of cluster.recorder.history()) {
    if (op.type !== 'send' || (op as SendOp).outcome !== 'ok') continue;
    acknowledged++;
    const n = cluster.effects.get(op.value) ?? 0;
    if (n === 0) never++;
    else if (n > 1) twice++;
  }
  return { never, twice, acknowledged };
}

export const deliverySemantics: Scenario = {
  id: 'delivery-semantics',
  title: 'Commit before processing loses records on a crash; commit after processes some twice',
  claim: 'At-most-once loses messages; at-least-once duplicates them.',
  expected: 'holds',
  rows: ['G1'],
  run: ({ seed, quick }) => {
    const ms = quick ? 1_200 : 3_000;
    const measure = (commit: 'before' | 'after') => {
      const cluster = runCluster(
        {
          partitions: 2,
          producers: 2,
          consumers: 2,
          commit,
          processMs: 1,
          maxPollRecords: 40,
          sendIntervalMs: 2,
          durationMs: ms,
        },
        seed,
        0,
      );
      // One consumer crashes mid-batch, twice, and comes back; its partitions move to the other meanwhile.
      for (const at of [ms / 4, ms / 2]) {
        cluster.world.at(at, 'crash c1', () => cluster.world.crash('c1'));
        cluster.world.at(at + 150, 'restart c1', () => cluster.world.restart('c1'));
      }
      cluster.world.runFor(ms);
      drainCluster(cluster, 10_000);
      return effectsOf(cluster);
    };
    const before = measure('before');
    const after = measure('after');
    const holds = before.never > 0 && after.never === 0 && after.twice > 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `Commit before processing (at-most-once): ${before.never} of ${before.acknowledged} acknowledged records never processed, ${before.twice} processed twice. ` +
        `Commit after (at-least-once): ${after.never} never processed, ${after.twice} processed twice.`,
      measurements: {
        beforeNever: before.never,
        beforeTwice: before.twice,
        afterNever: after.never,
        afterTwice: after.twice,
      },
    };
  },
};

export const rebalanceProtocols: Scenario = {
  id: 'cooperative-rebalance',
  title: 'Cooperative rebalancing keeps the partitions that do not move consuming',
  claim:
    'Eager rebalancing stops the whole group; cooperative (incremental) rebalancing revokes only the partitions that move.',
  expected: 'holds',
  rows: ['G1'],
  run: ({ seed, quick }) => {
    const ms = quick ? 1_500 : 3_000;
    const measure = (protocol: 'eager' | 'cooperative') => {
      const cluster = runCluster(
        { partitions: 6, producers: 2, consumers: 3, protocol, processMs: 0.5, durationMs: ms },
        seed,
        0,
      );
      const { world } = cluster;
      world.at(ms / 3, 'crash c3', () => world.crash('c3'));
      // Unowned partition time: every 5 ms, the partitions no member of the group holds.
      let unowned = 0;
      let rebalancing = 0;
      for (let t = 0; t < ms; t += 5) {
        world.runFor(5);
        if (t < ms / 3) continue;
        const group = cluster.controller().snapshot().groups[0];
        if (!group) continue;
        let owned = 0;
        for (const list of Object.values(group.members)) owned += list.length;
        unowned += 6 - owned;
        if (group.phase === 'revoking') rebalancing++;
      }
      return { unownedMs: unowned * 5, revokingMs: rebalancing * 5 };
    };
    const eager = measure('eager');
    const cooperative = measure('cooperative');
    const holds = cooperative.unownedMs < eager.unownedMs;
    return {
      observed: holds ? 'holds' : 'fails',
      summary: `A consumer of three dies: eager rebalancing left partitions unowned for ${eager.unownedMs} partition-ms, cooperative for ${cooperative.unownedMs} partition-ms.`,
      measurements: {
        eagerUnownedPartitionMs: eager.unownedMs,
        cooperativeUnownedPartitionMs: cooperative.unownedMs,
        eagerRevokingMs: eager.revokingMs,
        cooperativeRevokingMs: cooperative.revokingMs,
      },
    };
  },
};

export const deliveryScenarios: readonly Scenario[] = [deliverySemantics, rebalanceProtocols];

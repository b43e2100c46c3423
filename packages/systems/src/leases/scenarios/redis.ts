/**
 * The single-instance Redis lock: SET NX PX is atomic, the compare-and-delete script releases only the
 * caller's lock, a plain DEL after expiry deletes the next holder's; and a primary that dies before its
 * asynchronous replication sent the lock lets a second client take it on the promoted replica. The same
 * steps run on real Redis 7 in packages/runtime/src/leases/redis-lock.test.ts.
 */
import type { Scenario, ScenarioResult } from '../../contract';
import type { LeaseCluster } from '../cluster';
import { lockClient } from '../cluster';
import type { RedisNode } from '../redis-node';
import { prefixed, runLocks } from './common';

const single = { protocol: 'redlock', redisNodes: 1, fence: 'none', gcPauseMs: 0 } as const;

export const setNxPxRelease: Scenario = {
  id: 'set-nx-px-release',
  title: 'SET NX PX, compare-and-delete, and a plain DEL after expiry',
  claim:
    'SET NX PX acquires atomically; releasing with a compare-and-delete script releases only your own lock; releasing with plain DEL after expiry deletes someone else’s lock.',
  expected: 'holds',
  rows: ['A2'],
  run({ seed, quick }): ScenarioResult {
    // Six clients contend for one Redis-like server, no faults: SET NX PX never lets two in.
    const contended = runLocks(
      { ...single, clients: 6, ttlMs: 200, holdMs: 100, durationMs: quick ? 3_000 : 20_000 },
      seed,
    );
    // Then A, B and C on a quiet key, by hand: A's lock expires while A is stalled, B takes it.
    const { world } = contended.cluster;
    const redis = world.node<RedisNode>('r1');
    const key = 'demo';
    const aSet = redis.execute({ cmd: 'set-nx-px', key, value: 'a', ttlMs: 100 }).ok;
    const bEarly = redis.execute({ cmd: 'set-nx-px', key, value: 'b', ttlMs: 100 }).ok;
    world.runFor(150);
    const bLate = redis.execute({ cmd: 'set-nx-px', key, value: 'b', ttlMs: 1_000 }).ok;
    const aCad = redis.execute({ cmd: 'cad', key, value: 'a' }).ok;
    const afterCad = redis.execute({ cmd: 'get', key }).value;
    const aDel = redis.execute({ cmd: 'del', key }).ok;
    const cSet = redis.execute({ cmd: 'set-nx-px', key, value: 'c', ttlMs: 1_000 }).ok;
    const holds =
      contended.figures.maxBelievers === 1 &&
      contended.figures.acquisitions > 1 &&
      aSet &&
      !bEarly &&
      bLate &&
      !aCad &&
      afterCad === 'b' &&
      aDel &&
      cSet;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `${contended.figures.acquisitions} acquisitions by 6 contending clients, never more than ${contended.figures.maxBelievers} holder at once. ` +
        `After A's lock expired and B took it, A's compare-and-delete deleted ${aCad ? 1 : 0} keys (B still held it: ${afterCad ?? 'nothing'}); A's plain DEL deleted B's lock and C then acquired (${cSet ? 'OK' : 'nil'}): B and C both hold it.`,
      measurements: {
        ...prefixed('contended', contended.figures),
        'B refused while A holds': bEarly ? 0 : 1,
        'B acquires after A expired': bLate ? 1 : 0,
        'keys A deletes with compare-and-delete': aCad ? 1 : 0,
        'keys A deletes with DEL': aDel ? 1 : 0,
        'C acquires after the DEL': cSet ? 1 : 0,
      },
      traceHash: contended.figures.traceHash,
    };
  },
};

/** c1 takes the lock on primary r1; `waitMs` later r1 dies, r2 is promoted and the clients follow it. */
function failover(waitMs: number) {
  return (cluster: LeaseCluster) => {
    const { world, ledger } = cluster;
    for (const r of cluster.redis) {
      world.network.blockOneWay('c2', r);
      world.network.blockOneWay(r, 'c2');
    }
    world.runUntilCondition(() => ledger.believers.has('c1'), 2_000);
    world.runFor(waitMs);
    world.crash('r1');
    world.node<RedisNode>('r2').promote();
    for (const id of cluster.clients) lockClient(cluster, id).retarget(['r2']);
    world.network.heal();
  };
}

export const asyncFailover: Scenario = {
  id: 'async-replication-failover',
  title: 'The primary dies before replicating the lock; the promoted replica grants it again',
  claim:
    'With asynchronous replication, a primary that dies before replicating the lock lets a second client acquire it on the promoted replica.',
  expected: 'holds',
  rows: ['A2'],
  run({ seed }): ScenarioResult {
    // The replication stream goes out in batches every 20 ms.
    const base = { ...single, clients: 2, ttlMs: 1_000, holdMs: 0, durationMs: 1_500 };
    const options = { redisReplica: { replicationDelayMs: 20 } };
    const lost = runLocks(base, seed, failover(0), options).figures;
    const replicated = runLocks(base, seed, failover(100), options).figures;
    const holds = lost.maxBelievers >= 2 && replicated.maxBelievers === 1;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `Primary killed right after granting (before its 20 ms replication batch): ${lost.maxBelievers} clients held the lock at once for ${lost.overlapMs} ms. ` +
        `Killed 100 ms later, once the lock had reached the replica: ${replicated.maxBelievers}.`,
      measurements: { ...prefixed('before-replication', lost), ...prefixed('after-replication', replicated) },
      traceHash: lost.traceHash,
    };
  },
};

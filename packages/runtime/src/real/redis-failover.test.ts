// CLAIMS B3, on real Redis: "A Redis primary with Sentinel is AP and eventually consistent." Two
// redis-servers, the replica's link to its primary through a fault proxy. The test does what Sentinel
// does on the majority side of a partition: promote the replica (REPLICAOF NO ONE) and, after the heal,
// turn the old primary into a replica of the new one. Meanwhile a client cut off with the old primary
// keeps writing to it. The replication system's `isolated-primary-discards` scenario measures the same.
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from './redis-server';
import { LinkProxy } from './proxy';
import { waitUntil } from '../test-support/wall-time';

const servers: RedisServer[] = [];
const clients: Redis[] = [];
const proxies: LinkProxy[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const p of proxies.splice(0)) await p.close();
  for (const s of servers.splice(0)) await s.stop();
});

function client(server: RedisServer): Redis {
  const redis = new Redis({ port: server.port, host: server.host, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  clients.push(redis);
  return redis;
}

const linkUp = async (r: Redis) => /master_link_status:up/.test(await r.info('replication'));

interface SplitOutcome {
  readonly acknowledgedDuringSplit: number;
  readonly refusedDuringSplit: number;
  readonly lostAfterHeal: number;
  readonly newPrimaryWrites: number;
  readonly replicasAgree: boolean;
}

/** A primary and its replica; the replica promoted during a partition; the old primary rejoined. */
async function isolatedPrimary(primaryConfig: readonly [string, string][]): Promise<SplitOutcome> {
  const a = await startRedisServer();
  const b = await startRedisServer();
  servers.push(a, b);
  const link = new LinkProxy('b', 'a', { host: a.host, port: a.port });
  proxies.push(link);
  await link.listen();
  const [ra, rb] = [client(a), client(b)];
  // A full resync otherwise waits 5 s for more replicas to share the transfer.
  for (const r of [ra, rb]) await r.config('SET', 'repl-diskless-sync-delay', '0');
  for (const [key, value] of primaryConfig) await ra.config('SET', key, value);
  await rb.replicaof('127.0.0.1', link.port);
  await waitUntil('the replica to sync', () => linkUp(rb));
  for (let i = 0; i < 50; i++) expect(await ra.set(`before:${i}`, String(i))).toBe('OK');
  await waitUntil('the replica to hold the first writes', async () => (await rb.dbsize()) === 50);

  // The partition: {a, its client} | {b, the sentinels, other clients}. Packets vanish; no connection is
  // reset, so the primary learns its replica is gone only when its acknowledgements stop coming.
  link.set({ blackhole: true });
  // The cut-off client keeps writing from the first moment, as clients do before anyone notices.
  let acknowledged = 0;
  let refused = 0;
  const acked: string[] = [];
  for (let i = 0; i < 60; i++) {
    try {
      await ra.set(`split:${i}`, String(i));
      acknowledged++;
      acked.push(`split:${i}`);
    } catch (error) {
      expect((error as Error).message).toMatch(/NOREPLICAS/);
      refused++;
    }
    await new Promise((r) => setTimeout(r, 50)); // 3 s of writes
  }
  await rb.replicaof('NO', 'ONE'); // Sentinel's failover on the majority side (it pings on its own)
  let newPrimaryWrites = 0;
  for (let i = 0; i < 20; i++) if ((await rb.set(`after:${i}`, String(i))) === 'OK') newPrimaryWrites++;

  link.heal(); // Sentinel reconfigures the old primary as a replica of the new one
  await ra.replicaof(b.host, b.port);
  await waitUntil('the old primary to resynchronise', () => linkUp(ra));
  await waitUntil('both to hold the same keys', async () => (await ra.dbsize()) === (await rb.dbsize()));

  let lost = 0;
  for (const key of acked) if ((await ra.exists(key)) === 0 && (await rb.exists(key)) === 0) lost++;
  const keysA = (await ra.keys('*')).sort();
  const keysB = (await rb.keys('*')).sort();
  return {
    acknowledgedDuringSplit: acknowledged,
    refusedDuringSplit: refused,
    lostAfterHeal: lost,
    newPrimaryWrites,
    replicasAgree: JSON.stringify(keysA) === JSON.stringify(keysB),
  };
}

describe('Redis failover as Sentinel does it (real redis-server)', () => {
  it('an isolated primary acknowledges writes that the resync after the heal throws away: converged, not merged', async () => {
    const open = await isolatedPrimary([]);
    console.log('redis, no min-replicas:', JSON.stringify(open));
    expect(open.acknowledgedDuringSplit).toBe(60); // available on the minority side
    expect(open.newPrimaryWrites).toBe(20); // and on the majority side
    expect(open.replicasAgree).toBe(true); // converged…
    expect(open.lostAfterHeal).toBe(60); // …by discarding every write the old primary took alone
  }, 60_000);

  it('min-replicas-to-write bounds the window (writes refused once the replica is silent) but does not close it', async () => {
    const fenced = await isolatedPrimary([
      ['min-replicas-to-write', '1'],
      ['min-replicas-max-lag', '1'],
    ]);
    console.log('redis, min-replicas-to-write 1, max-lag 1 s:', JSON.stringify(fenced));
    expect(fenced.refusedDuringSplit).toBeGreaterThan(0);
    // A replica acknowledges once a second, so for up to max-lag (1–2 s) the primary cannot tell.
    expect(fenced.acknowledgedDuringSplit).toBeGreaterThan(0);
    expect(fenced.acknowledgedDuringSplit + fenced.refusedDuringSplit).toBe(60);
    expect(fenced.lostAfterHeal).toBe(fenced.acknowledgedDuringSplit); // whatever it did acknowledge is gone
    expect(fenced.replicasAgree).toBe(true);
  }, 60_000);
});

// etcd 3.4 locks through the etcd3 client: a lease with a plain put lets two clients "hold" the lock; the
// transaction on create revision lets one; and a holder stopped with SIGSTOP outlives its lease, so its
// late write is refused only when the store checks the revision as a fencing token.
import { existsSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdBinary, startEtcdServer, type EtcdServer } from '../real/etcd-server';
import { redisServerBinary, startRedisServer, type RedisServer } from '../real/redis-server';
import { EtcdLock } from './etcd-lock';
import { pausedHolder } from './paused-holder';

const haveServers = existsSync(etcdBinary) && existsSync(redisServerBinary);
if (!haveServers)
  console.warn(`skipping the real-etcd lock tests: ${etcdBinary} or ${redisServerBinary} is not installed`);

describe.skipIf(!haveServers)('etcd locks on real etcd 3.4', () => {
  let etcd: EtcdServer | undefined;
  let redis: RedisServer | undefined;
  let client: Etcd3 | undefined;
  beforeAll(async () => {
    [etcd, redis] = await Promise.all([startEtcdServer(), startRedisServer()]);
    client = new Etcd3({ hosts: etcd.endpoint });
  }, 30_000);
  afterAll(async () => {
    client?.close();
    await etcd?.stop();
    await redis?.stop();
  });
  const servers = () => {
    if (!etcd || !redis || !client) throw new Error('etcd is not started');
    return { etcd, redis, client };
  };

  it('a lease with a plain put: two clients both hold the lock; with a compare on create revision, one', async () => {
    const { client } = servers();
    const put = new EtcdLock(client, 'lock:put');
    const a = await put.acquire('put', 'A', 5);
    const b = await put.acquire('put', 'B', 5);
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    // Both put calls succeeded, so both clients believe they hold it; the key says B: A is wrong.
    expect(await put.holder()).toBe('B');
    const txn = new EtcdLock(client, 'lock:txn');
    const first = await txn.acquire('txn', 'A', 5);
    const second = await txn.acquire('txn', 'B', 5);
    expect(first).toBeDefined();
    expect(second).toBeUndefined();
    expect(await txn.holder()).toBe('A');
    console.log(
      `real etcd: lease + put gave the lock to A (revision ${a?.token}) and B (revision ${b?.token}); the create-revision txn refused B while A held it`,
    );
    for (const [lock, hold, value] of [
      [put, a, 'A'],
      [put, b, 'B'],
      [txn, first, 'A'],
    ] as const)
      if (hold) await lock.release(hold, value);
  });

  const paused = (fenced: boolean) => {
    const { etcd, redis } = servers();
    return pausedHolder({
      lock: 'etcd-txn',
      redisPort: redis.port,
      etcdEndpoint: etcd.endpoint,
      ttlMs: 2_000,
      fenced,
      run: fenced ? 'etcd-fenced' : 'etcd-unfenced',
    });
  };

  it('a holder stopped with SIGSTOP outlives its lease: without fencing its late write lands on the next holder’s', async () => {
    const unfenced = await paused(false);
    console.log(
      `real etcd, unfenced: A stopped ${unfenced.stoppedMs} ms until B's txn succeeded; A's late write applied ${unfenced.staleApplied}, corrupting ${unfenced.corrupting}`,
    );
    expect(unfenced.doubleGrant).toBe(true);
    expect(unfenced.staleApplied).toBe(1);
    expect(unfenced.corrupting).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('with the key’s revision as fencing token the store refuses the stopped holder’s late write', async () => {
    const fenced = await paused(true);
    console.log(
      `real etcd, fenced: A (revision ${fenced.aToken}) stopped ${fenced.stoppedMs} ms, B took revision ${fenced.bToken}; A's late write refused ${fenced.staleRefused}, corrupting ${fenced.corrupting}`,
    );
    expect(fenced.doubleGrant).toBe(true);
    expect(fenced.bToken).toBeGreaterThan(fenced.aToken);
    expect(fenced.staleRefused).toBe(1);
    expect(fenced.corrupting).toBe(0);
  }, 30_000);
});

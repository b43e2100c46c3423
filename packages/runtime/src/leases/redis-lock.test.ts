// The single-instance Redis lock on a real redis-server 7 through ioredis: SET NX PX, compare-and-delete
// against plain DEL, a holder stopped with SIGSTOP past its TTL (fenced and unfenced store), and an
// asynchronous replica promoted after its primary died without sending it the lock.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { describe, expect, it } from 'vitest';
import { findSystem } from '@dslab/systems';
import { useRedis } from '@dslab/runtime/testing';
import { LinkProxy } from '../real/proxy';
import { freePort, redisServerBinary, startRedisServer } from '../real/redis-server';
import { competingHolders } from './competing-holders';
import { pausedHolder } from './paused-holder';
import { RedisLock } from './redis-lock';

const haveRedis = existsSync(redisServerBinary);
if (!haveRedis)
  console.warn(
    `skipping the real-Redis lock tests: ${redisServerBinary} is not installed (apt-get install redis-server)`,
  );
const redis = haveRedis ? useRedis() : () => undefined as unknown as Redis;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A redis-server this test kills with SIGKILL (a crash, not a shutdown), then removes. */
async function startKillableRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'dslab-redis-primary-'));
  const child = spawn(
    redisServerBinary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    void exited.then(() => reject(new Error(`redis-server exited before it was ready: ${output}`)));
  });
  let killed = false;
  return {
    host: '127.0.0.1',
    port,
    kill: async () => {
      if (!killed) {
        killed = true;
        child.kill('SIGKILL');
        await exited;
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The simulator's measurements of a leases scenario, to compare the real run with. */
async function simulated(scenarioId: string): Promise<Record<string, number>> {
  const scenario = findSystem('leases')?.scenarios.find((s) => s.id === scenarioId);
  if (!scenario) throw new Error(`no leases scenario ${scenarioId}`);
  return (await scenario.run({ seed: 1, quick: true })).measurements;
}

describe.skipIf(!haveRedis)('the Redis lock on real Redis 7', () => {
  it('SET NX PX lets exactly one of 16 connections in, every round', async () => {
    const port = redis().options.port ?? 0;
    const clients = Array.from({ length: 16 }, () => new Redis({ host: '127.0.0.1', port }));
    try {
      const winners: number[] = [];
      for (let round = 0; round < 20; round++) {
        const results = await Promise.all(
          clients.map((c, i) => new RedisLock(c, `lock:atomic:${round}`).acquire(`c${i}`, 5_000)),
        );
        winners.push(results.filter(Boolean).length);
      }
      expect(winners).toEqual(Array.from({ length: 20 }, () => 1));
    } finally {
      for (const c of clients) c.disconnect();
    }
  });

  it('compare-and-delete frees only its own lock; a plain DEL after expiry frees the next holder’s, as the simulator says', async () => {
    const client = redis();
    const a = new RedisLock(client, 'lock:release');
    expect(await a.acquire('a', 100)).toBe(true);
    const bEarly = await a.acquire('b', 100);
    await sleep(150); // A stalls past its TTL
    const bLate = await a.acquire('b', 5_000);
    const aCad = await a.release('a');
    const afterCad = await client.get('lock:release');
    const aDel = await a.releaseWithDel();
    const cSet = await a.acquire('c', 5_000);
    const real = {
      'B refused while A holds': bEarly ? 0 : 1,
      'B acquires after A expired': bLate ? 1 : 0,
      'keys A deletes with compare-and-delete': aCad ? 1 : 0,
      'keys A deletes with DEL': aDel ? 1 : 0,
      'C acquires after the DEL': cSet ? 1 : 0,
    };
    expect(afterCad).toBe('b');
    expect(real).toEqual({
      'B refused while A holds': 1,
      'B acquires after A expired': 1,
      'keys A deletes with compare-and-delete': 0,
      'keys A deletes with DEL': 1,
      'C acquires after the DEL': 1,
    });
    const sim = await simulated('set-nx-px-release');
    for (const [name, value] of Object.entries(real)) expect(sim[name], name).toBe(value);
  });

  it('a holder stopped with SIGSTOP past its TTL: without fencing its late write lands on the next holder’s', async () => {
    const port = redis().options.port ?? 0;
    const unfenced = await pausedHolder({
      lock: 'redis',
      fenced: false,
      redisPort: port,
      ttlMs: 300,
      run: 'redis-unfenced',
    });
    console.log(
      `real Redis, unfenced: A stopped ${unfenced.stoppedMs} ms, B took the lock: ${unfenced.doubleGrant}; A's late write applied ${unfenced.staleApplied}, corrupting writes ${unfenced.corrupting}`,
    );
    expect(unfenced.doubleGrant).toBe(true);
    expect(unfenced.staleApplied).toBe(1);
    expect(unfenced.corrupting).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('with a fencing token (INCR beside SET NX PX) the store refuses the stopped holder’s late write', async () => {
    const port = redis().options.port ?? 0;
    const fenced = await pausedHolder({
      lock: 'redis',
      fenced: true,
      redisPort: port,
      ttlMs: 300,
      run: 'redis-fenced',
    });
    console.log(
      `real Redis, fenced: A (token ${fenced.aToken}) stopped ${fenced.stoppedMs} ms, B took token ${fenced.bToken}; A's late write refused ${fenced.staleRefused}, corrupting writes ${fenced.corrupting}`,
    );
    expect(fenced.doubleGrant).toBe(true);
    expect(fenced.bToken).toBeGreaterThan(fenced.aToken);
    expect(fenced.staleRefused).toBe(1);
    expect(fenced.corrupting).toBe(0);
  }, 30_000);

  it('two processes take turns, the holder stopped past its TTL every 600 ms: corrupting writes without fencing, none with it', async () => {
    const port = redis().options.port ?? 0;
    const base = {
      redisPort: port,
      processes: 3,
      ttlMs: 200,
      pauseMs: 400,
      pauseEveryMs: 700,
      durationMs: 3_000,
    };
    const [unfenced, fenced] = await Promise.all([
      competingHolders({ ...base, fenced: false, run: 'workload-unfenced' }),
      competingHolders({ ...base, fenced: true, run: 'workload-fenced' }),
    ]);
    console.log(
      `real Redis workload, 2 processes, TTL 200 ms, 400 ms SIGSTOPs — unfenced: ${unfenced.acquisitions} acquisitions, ${unfenced.pauses} pauses, ${unfenced.doubleGrants} double grants, ${unfenced.lateApplied} late writes applied, ${unfenced.corrupting} corrupting of ${unfenced.writes}; ` +
        `fenced: ${fenced.acquisitions} acquisitions, ${fenced.pauses} pauses, ${fenced.doubleGrants} double grants, ${fenced.lateRefused} late writes refused, ${fenced.corrupting} corrupting of ${fenced.writes}`,
    );
    expect(unfenced.pauses).toBeGreaterThanOrEqual(2);
    expect(unfenced.doubleGrants).toBeGreaterThanOrEqual(1);
    expect(unfenced.corrupting).toBeGreaterThanOrEqual(1);
    expect(fenced.pauses).toBeGreaterThanOrEqual(2);
    expect(fenced.doubleGrants).toBeGreaterThanOrEqual(1);
    expect(fenced.lateRefused).toBeGreaterThanOrEqual(1);
    expect(fenced.corrupting).toBe(0);
  }, 60_000);

  it('a primary that dies before replicating the lock: the promoted replica grants it again', async () => {
    const primary = await startKillableRedis();
    const replica = await startRedisServer();
    const proxy = new LinkProxy('replica', 'primary', { host: primary.host, port: primary.port });
    const p = new Redis({
      host: primary.host,
      port: primary.port,
      maxRetriesPerRequest: 1,
      lazyConnect: true,
    });
    const r = new Redis({ host: replica.host, port: replica.port, maxRetriesPerRequest: 1 });
    p.on('error', () => undefined);
    try {
      await p.connect();
      // Full sync at once (Redis 7 otherwise waits 5 s for more replicas to share a diskless transfer).
      await p.config('SET', 'repl-diskless-sync-delay', '0');
      await proxy.listen();
      await r.replicaof('127.0.0.1', proxy.port);
      for (let i = 0; i < 400 && !(await r.info('replication')).includes('master_link_status:up'); i++)
        await sleep(25);
      expect(await r.info('replication')).toContain('master_link_status:up');
      // The replication link stalls; the lock is granted on the primary; the primary dies.
      proxy.set({ blocked: true });
      expect(await new RedisLock(p, 'lock:failover').acquire('A', 10_000)).toBe(true);
      await primary.kill();
      await r.replicaof('NO', 'ONE');
      const bOnReplica = await new RedisLock(r, 'lock:failover').acquire('B', 10_000);
      console.log(
        `real Redis failover: A held the lock on the dead primary; B on the promoted replica acquired: ${bOnReplica}`,
      );
      expect(bOnReplica).toBe(true);
      const sim = await simulated('async-replication-failover');
      expect(sim['before-replication.maxBelievers']).toBe(2);
    } finally {
      p.disconnect();
      r.disconnect();
      await proxy.close();
      await primary.kill();
      await replica.stop();
    }
  }, 30_000);
});

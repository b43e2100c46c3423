/**
 * Kleppmann's paused holder on real servers: holder A (a child process) takes the lock and, between its
 * validity check and its write, is stopped with SIGSTOP. The lock expires on the server (Redis's PX, or
 * etcd's lease once A's keep-alives stop); client B, in this process, takes it and writes; then A is
 * continued and sends the write it had prepared. The store (a Redis list, fenced or not) shows whether
 * A's stale write landed on top of B's.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import Redis from 'ioredis';
import { EtcdLock, type EtcdHold } from './etcd-lock';
import type { HolderConfig } from './holder-process';
import { RedisLock } from './redis-lock';
import { corruptingWrites, FencedStore, type StoredWrite } from './store';

export interface PausedHolderOptions {
  readonly lock: HolderConfig['lock'];
  readonly fenced: boolean;
  readonly redisPort: number;
  readonly etcdEndpoint?: string;
  readonly ttlMs: number;
  /** A distinct name per run (keys are derived from it). */
  readonly run: string;
}

export interface PausedHolderResult {
  readonly aToken: number;
  readonly bToken: number;
  /** How long A stayed stopped, ms. */
  readonly stoppedMs: number;
  /** B took the lock while A, stopped, had neither released it nor learned it lost it. */
  readonly doubleGrant: boolean;
  /** A's writes after it was continued: applied by the store, refused by it. */
  readonly staleApplied: number;
  readonly staleRefused: number;
  readonly corrupting: number;
  readonly entries: readonly StoredWrite[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How long B keeps trying to take the lock while A is stopped, at most. */
const TAKEOVER_DEADLINE_MS = 15_000;

export async function pausedHolder(options: PausedHolderOptions): Promise<PausedHolderResult> {
  const lockKey = `lock:${options.run}`;
  const storeKey = `store:${options.run}`;
  const config: HolderConfig = {
    lock: options.lock,
    redisPort: options.redisPort,
    ...(options.etcdEndpoint ? { etcdEndpoint: options.etcdEndpoint } : {}),
    lockKey,
    storeKey,
    ttlMs: options.ttlMs,
    fenced: options.fenced,
    holder: 'A',
    acquisition: 1,
    workMs: 100,
    writes: 3,
  };
  const script = fileURLToPath(new URL('./holder-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(config)], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const events: Record<string, unknown>[] = [];
  let buffered = '';
  let stoppedAt = 0;
  let resumedAt = 0;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const checked = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const event = JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>;
        buffered = buffered.slice(newline + 1);
        events.push(event);
        if (event['event'] === 'checked' && stoppedAt === 0) {
          // A passed its check and is preparing its write: the pause lands here.
          child.kill('SIGSTOP');
          stoppedAt = Date.now();
          resolve();
        }
        if (event['event'] === 'refused') reject(new Error('holder A could not take a free lock'));
        newline = buffered.indexOf('\n');
      }
    });
    void exited.then(() =>
      reject(new Error(`holder A exited before its first check: ${JSON.stringify(events)}`)),
    );
  });

  const redis = new Redis({ host: '127.0.0.1', port: options.redisPort, maxRetriesPerRequest: 1 });
  const etcd = options.etcdEndpoint ? new Etcd3({ hosts: options.etcdEndpoint }) : undefined;
  const store = new FencedStore(redis, storeKey);
  const value = 'B';
  let bAcquired = false;
  let bToken = 0;
  let bHold: EtcdHold | undefined;
  try {
    await checked;
    const deadline = Date.now() + TAKEOVER_DEADLINE_MS;
    while (!bAcquired && Date.now() < deadline) {
      if (options.lock === 'redis') {
        const lock = new RedisLock(redis, lockKey);
        if (options.fenced) {
          bToken = (await lock.acquireWithToken(value, 60_000)) ?? 0;
          bAcquired = bToken > 0;
        } else bAcquired = await lock.acquire(value, 60_000);
      } else if (etcd) {
        bHold = await new EtcdLock(etcd, lockKey).acquire(
          options.lock === 'etcd-put' ? 'put' : 'txn',
          value,
          60,
        );
        bAcquired = bHold !== undefined;
        bToken = bHold?.token ?? 0;
      }
      if (!bAcquired) await sleep(25);
    }
    const doubleGrant = bAcquired && !events.some((e) => e['event'] === 'done');
    if (doubleGrant) await store.write({ holder: 'B', acquisition: 2, token: bToken, n: 1 }, options.fenced);
    child.kill('SIGCONT');
    resumedAt = Date.now();
    const code = await exited;
    if (code !== 0) throw new Error(`holder A exited with ${code}`);
    const entries = await store.entries();
    const acquired = events.find((e) => e['event'] === 'acquired');
    const lateWrites = events.filter((e) => e['event'] === 'wrote' && e['n'] === 1);
    if (options.lock === 'redis') await new RedisLock(redis, lockKey).release(value);
    else if (etcd && bHold) await new EtcdLock(etcd, lockKey).release(bHold, value);
    return {
      aToken: Number(acquired?.['token'] ?? 0),
      bToken,
      stoppedMs: resumedAt - stoppedAt,
      doubleGrant,
      staleApplied: lateWrites.filter((e) => e['applied'] === true).length,
      staleRefused: lateWrites.filter((e) => e['applied'] === false).length,
      corrupting: corruptingWrites(entries),
      entries,
    };
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
    redis.disconnect();
    etcd?.close();
  }
}

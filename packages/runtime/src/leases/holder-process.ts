/**
 * One lock holder as its own process, so a test can stop it for real (SIGSTOP) the way a GC pause or a
 * descheduled VM stops a client: `node --import tsx holder-process.ts <json>`. It takes the lock, then
 * for each write checks its lock is still valid by its own clock, says so on stdout ("checked"), spends
 * `workMs` preparing the write, and sends it to the store under its token — without looking again.
 * Every step is one JSON line on stdout.
 */
import { Etcd3 } from 'etcd3';
import Redis from 'ioredis';
import { EtcdLock, type EtcdHold } from './etcd-lock';
import { RedisLock } from './redis-lock';
import { FencedStore } from './store';

export interface HolderConfig {
  readonly lock: 'redis' | 'etcd-put' | 'etcd-txn';
  readonly redisPort: number;
  readonly etcdEndpoint?: string;
  readonly lockKey: string;
  readonly storeKey: string;
  readonly ttlMs: number;
  readonly fenced: boolean;
  readonly holder: string;
  readonly acquisition: number;
  readonly workMs: number;
  readonly writes: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as HolderConfig;
const say = (event: Record<string, unknown>) => process.stdout.write(JSON.stringify(event) + '\n');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const redis = new Redis({ host: '127.0.0.1', port: config.redisPort, maxRetriesPerRequest: 1 });
const store = new FencedStore(redis, config.storeKey);
const etcd = config.etcdEndpoint ? new Etcd3({ hosts: config.etcdEndpoint }) : undefined;
const value = `${config.holder}:${process.pid}`;

let acquired = false;
let token = 0;
let hold: EtcdHold | undefined;
let renewedAt = Date.now();
const started = Date.now();
if (config.lock === 'redis') {
  const lock = new RedisLock(redis, config.lockKey);
  if (config.fenced) {
    token = (await lock.acquireWithToken(value, config.ttlMs)) ?? 0;
    acquired = token > 0;
  } else acquired = await lock.acquire(value, config.ttlMs); // no token: the store records 0
} else if (etcd) {
  hold = await new EtcdLock(etcd, config.lockKey).acquire(
    config.lock === 'etcd-put' ? 'put' : 'txn',
    value,
    Math.ceil(config.ttlMs / 1000),
  );
  acquired = hold !== undefined;
  token = hold?.token ?? 0;
  hold?.lease.on('keepaliveSucceeded', () => (renewedAt = Date.now()));
}
if (!acquired) {
  say({ event: 'refused' });
} else {
  say({ event: 'acquired', token, afterMs: Date.now() - started });
  for (let n = 1; n <= config.writes; n++) {
    if (Date.now() >= (hold ? renewedAt : started) + config.ttlMs) {
      say({ event: 'lost', n });
      break;
    }
    say({ event: 'checked', n });
    await sleep(config.workMs);
    const applied = await store.write(
      { holder: config.holder, acquisition: config.acquisition, token, n },
      config.fenced,
    );
    say({ event: 'wrote', n, applied });
  }
  if (config.lock === 'redis') await new RedisLock(redis, config.lockKey).release(value);
  else if (etcd && hold) await new EtcdLock(etcd, config.lockKey).release(hold, value);
}
say({ event: 'done' });
redis.disconnect();
etcd?.close();

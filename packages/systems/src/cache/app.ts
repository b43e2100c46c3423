/**
 * The application server: it answers clients' reads and writes using the shared cache and the database.
 *
 * Reads are cache-aside (look in the cache; on a miss read the database and fill the cache) unless
 * `readThrough` (the cache loads misses itself). A miss is guarded against a stampede by one of:
 * - `none`: every miss reads the database;
 * - `mutex`: a lock in the cache (SET NX with a TTL), waiters poll; the holder re-checks the cache after
 *   taking the lock (unless `recheck` is off) and releases by compare-and-delete;
 * - `single-flight`: concurrent misses for a key on this instance share one database read;
 * - `xfetch`: a hit recomputes early with XFetch's probability, so the key rarely expires at all;
 * - `lease`: the cache hands one caller a token to fill the key; the others wait and retry, served
 *   the stale value meanwhile when `serveStale`.
 *
 * Writes: `invalidate` (database, then delete the cache entry), `write-through` (database, then set the
 * cache: two steps, no shared transaction), `write-behind` (the cache acknowledges, persists later) or
 * `versioned` (immutable `key#v<n>` entries and a `key#ver` pointer that readers look up first).
 *
 * Optional: a Bloom filter of the keys that exist in front of everything, caching of nulls (misses the
 * database answered "no such key") for `nullTtlMs`, and an in-process cache over the shared one.
 */
import { hashPair, invariant, type Env, type NodeId, type SimNode, type TimerId } from '@dslab/sim';
import { BloomFilter } from '../bloom/bloom-filter';
import { mutantActive } from '../kit';
import type { CacheMessage, Val } from './messages';
import { LruCache, TtlCache, type Timed } from './policies';
import { xfetchRecompute } from './zipf';

export const guards = ['none', 'mutex', 'single-flight', 'xfetch', 'lease'] as const;
export type Guard = (typeof guards)[number];
export const writeModes = ['invalidate', 'write-through', 'write-behind', 'versioned'] as const;
export type WriteMode = (typeof writeModes)[number];

export const appMutants = ['flight-registered-late', 'fill-without-ttl'] as const;

/** Client requests an instance works on at once, at most; past it, it answers an error at once. */
export const MAX_REQUESTS = 4_096;
/** Calls (to the cache or the database) awaiting an answer, at most; past it the call fails at once. */
export const MAX_CALLS = 16_384;
/** Requests sharing one single-flight fetch, at most; past it a request fails at once. */
export const FLIGHT_WAITERS_BOUND = 1_024;
/** A fill without a TTL under the `fill-without-ttl` mutant: forever, for this simulation. */
const FOREVER_MS = 1e12;

export interface AppConfig {
  readonly caches: readonly NodeId[];
  readonly dbId: NodeId;
  readonly guard: Guard;
  readonly readThrough: boolean;
  readonly writeMode: WriteMode;
  readonly ttlMs: number;
  /** Each fill's TTL gets a uniform extra in [0, jitterMs). */
  readonly jitterMs: number;
  readonly lockTtlMs: number;
  readonly recheck: boolean;
  readonly lockRetryMs: number;
  readonly leaseRetryMs: number;
  readonly serveStale: boolean;
  readonly beta: number;
  readonly cacheTimeoutMs: number;
  /** A cache server that did not answer is skipped (its keys go to the next one) for this long. */
  readonly cacheDownMs: number;
  readonly fetchTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Cache "no such key" for this long (0: do not cache nulls). */
  readonly nullTtlMs: number;
  /** Keys that exist, for the Bloom filter in front (absent: no filter). */
  readonly bloomKeys?: readonly string[];
  readonly bloomFalsePositiveRate: number;
  /** An in-process LRU over the shared cache: entries and their TTL (absent: none). */
  readonly local?: { readonly capacity: number; readonly ttlMs: number };
  readonly onFetch?: (app: NodeId, key: string) => void;
  /** A read that found the shared cache without its key. */
  readonly onMiss?: () => void;
  /** Every XFetch decision on a hit: the time the entry had left, its Δ, and whether it recomputed. */
  readonly onXfetch?: (ttlLeftMs: number, deltaMs: number, recomputed: boolean) => void;
  readonly mutant?: string;
}

interface Req {
  readonly client: NodeId;
  readonly id: number;
  readonly key: string;
  readonly timer: TimerId;
}

type Reply = Extract<CacheMessage, { type: 'got' | 'done' | 'db-reply' }>;

export class AppServer implements SimNode<CacheMessage> {
  private readonly requests = new Set<Req>();
  private readonly calls = new Map<number, { timer: TimerId; then: (reply: Reply | undefined) => void }>();
  private readonly flights = new Map<string, Req[]>();
  private readonly outstanding = new Map<string, number>();
  private readonly down = new Map<NodeId, number>();
  private readonly bloom: BloomFilter | undefined;
  private readonly local: TtlCache<Val> | undefined;
  private nextCall = 1;
  private nextOwner = 1;
  fetches = 0;
  /** Reads that found the shared cache without the key. */
  misses = 0;
  /** The most database reads this instance ever had in flight for one key. */
  maxInFlightPerKey = 0;
  earlyRecomputes = 0;
  lockWaits = 0;

  constructor(
    private readonly env: Env<CacheMessage>,
    private readonly config: AppConfig,
  ) {
    invariant(config.caches.length >= 1, 'app config', () => 'at least one cache server');
    if (config.bloomKeys !== undefined) {
      this.bloom = BloomFilter.forCapacity(
        Math.max(1, config.bloomKeys.length),
        config.bloomFalsePositiveRate,
      );
      for (const key of config.bloomKeys) this.bloom.add(key);
    }
    if (config.local !== undefined)
      this.local = new TtlCache<Val>(new LruCache<string, Timed<Val>>(config.local.capacity));
  }

  onMessage(from: NodeId, msg: CacheMessage): void {
    switch (msg.type) {
      case 'read':
      case 'write': {
        if (this.requests.size >= MAX_REQUESTS) {
          this.env.send(from, { type: 'reply', id: msg.id, ok: false });
          return;
        }
        const req: Req = {
          client: from,
          id: msg.id,
          key: msg.key,
          timer: this.env.setTimer(this.config.requestTimeoutMs, () => this.finish(req, undefined)),
        };
        this.requests.add(req);
        if (msg.type === 'read') this.read(req);
        else this.write(req, msg.value);
        return;
      }
      case 'got':
      case 'done':
      case 'db-reply': {
        const call = this.calls.get(msg.id);
        if (call === undefined) return; // timed out already
        this.calls.delete(msg.id);
        this.env.clearTimer(call.timer);
        call.then(msg);
        return;
      }
      default:
        return;
    }
  }

  // ---- plumbing ----

  private finish(req: Req, val: Val | undefined, from?: 'cache' | 'db' | 'stale' | 'local' | 'filter'): void {
    if (!this.requests.delete(req)) return;
    this.env.clearTimer(req.timer);
    this.env.send(req.client, {
      type: 'reply',
      id: req.id,
      ok: val !== undefined,
      ...(val !== undefined ? { val, from } : {}),
    });
  }

  private live(req: Req): boolean {
    return this.requests.has(req);
  }

  private call(
    to: NodeId,
    msg: DistributiveOmit<CacheMessage, 'id'>,
    timeoutMs: number,
    then: (r: Reply | undefined) => void,
  ): void {
    if (this.calls.size >= MAX_CALLS) {
      then(undefined);
      return;
    }
    const id = this.nextCall++;
    const timer = this.env.setTimer(timeoutMs, () => {
      if (this.calls.delete(id)) then(undefined);
    });
    this.calls.set(id, { timer, then });
    this.env.send(to, { ...msg, id } as CacheMessage);
  }

  /** Rendezvous hashing over the cache servers not marked down. */
  cacheFor(key: string): NodeId {
    const now = this.env.monotonic();
    let best: NodeId = this.config.caches[0] as NodeId;
    let bestScore = -1;
    for (const node of this.config.caches) {
      const until = this.down.get(node);
      if (until !== undefined && now < until) continue;
      const score = hashPair(key + '|' + node)[0] >>> 0;
      if (score > bestScore) {
        bestScore = score;
        best = node;
      }
    }
    return best;
  }

  private cacheCall(
    key: string,
    msg: DistributiveOmit<CacheMessage, 'id'>,
    then: (r: Reply | undefined) => void,
    timeoutMs = this.config.cacheTimeoutMs,
  ): void {
    const node = this.cacheFor(key);
    this.call(node, msg, timeoutMs, (reply) => {
      if (reply === undefined) this.down.set(node, this.env.monotonic() + this.config.cacheDownMs);
      then(reply);
    });
  }

  private ttl(): number {
    if (mutantActive(this.config.mutant, 'fill-without-ttl')) return FOREVER_MS;
    return this.config.ttlMs + (this.config.jitterMs > 0 ? this.env.random() * this.config.jitterMs : 0);
  }

  /** One database read; counts what is in flight per key (sent, neither answered nor timed out). */
  private fetch(key: string, then: (val: Val | undefined, deltaMs: number) => void): void {
    const inFlight = (this.outstanding.get(key) ?? 0) + 1;
    this.outstanding.set(key, inFlight);
    this.maxInFlightPerKey = Math.max(this.maxInFlightPerKey, inFlight);
    this.fetches++;
    this.config.onFetch?.(this.env.id, key);
    const started = this.env.monotonic();
    this.call(this.config.dbId, { type: 'db-read', key }, this.config.fetchTimeoutMs, (reply) => {
      const left = (this.outstanding.get(key) ?? 1) - 1;
      if (left === 0) this.outstanding.delete(key);
      else this.outstanding.set(key, left);
      const val = reply?.type === 'db-reply' && reply.ok ? reply.val : undefined;
      then(val, this.env.monotonic() - started);
    });
  }

  /** Database read, then fill the shared cache; answers once the fill is acknowledged (or timed out). */
  private fetchAndFill(key: string, token: number | undefined, then: (val: Val | undefined) => void): void {
    this.fetch(key, (val, deltaMs) => {
      if (val === undefined) return then(undefined);
      this.fill(key, val, deltaMs, token, () => then(val));
    });
  }

  private fill(key: string, val: Val, deltaMs: number, token?: number, then: () => void = () => {}): void {
    if (val.value === null && this.config.nullTtlMs <= 0) return then();
    const ttlMs = val.value === null ? this.config.nullTtlMs : this.ttl();
    this.cacheCall(
      key,
      { type: 'set', key, val, ttlMs, deltaMs, ...(token !== undefined ? { token } : {}) },
      () => then(),
    );
  }

  // ---- reads ----

  private read(req: Req): void {
    const { key } = req;
    if (this.local !== undefined) {
      const hit = this.local.get(key, this.env.monotonic());
      if (hit !== undefined) return this.finish(req, hit.value, 'local');
    }
    if (this.bloom !== undefined && !this.bloom.mightContain(key))
      return this.finish(req, { version: 0, value: null }, 'filter');
    if (this.config.writeMode === 'versioned') return this.readVersioned(req);
    if (this.config.readThrough) {
      // The cache may load from the database before it answers: wait as long as a database read.
      this.cacheCall(
        key,
        { type: 'read-through', key, ttlMs: this.ttl() },
        (reply) => {
          if (reply?.type === 'done' && reply.ok && reply.val) this.answer(req, reply.val, 'cache');
          else if (reply === undefined) this.fetch(key, (val) => this.answer(req, val, 'db'));
          else this.finish(req, undefined);
        },
        this.config.cacheTimeoutMs + this.config.fetchTimeoutMs,
      );
      return;
    }
    this.lookup(req);
  }

  private answer(req: Req, val: Val | undefined, from: 'cache' | 'db' | 'stale'): void {
    if (val !== undefined && this.local !== undefined && this.config.local)
      this.local.set(req.key, val, this.env.monotonic(), this.config.local.ttlMs);
    this.finish(req, val, from);
  }

  private lookup(req: Req): void {
    const { key } = req;
    const lease = this.config.guard === 'lease';
    this.cacheCall(key, { type: 'get', key, lease }, (reply) => {
      if (!this.live(req)) return;
      if (reply === undefined) {
        // The cache server did not answer (its keys now go to the next server): read the database,
        // still through single-flight when that is the guard.
        if (this.config.guard === 'single-flight') return this.flight(req);
        this.fetch(key, (val) => this.answer(req, val, 'db'));
        return;
      }
      if (reply.type !== 'got') return this.finish(req, undefined);
      if (reply.val !== undefined) {
        const now = this.env.monotonic();
        if (this.config.guard === 'xfetch') {
          const deltaMs = reply.deltaMs ?? 0;
          const left = reply.ttlLeftMs ?? 0;
          const early = xfetchRecompute(now, deltaMs, this.config.beta, now + left, 1 - this.env.random());
          this.config.onXfetch?.(left, deltaMs, early);
          if (early) {
            this.earlyRecomputes++;
            this.fetchAndFill(key, undefined, (val) =>
              this.answer(req, val ?? reply.val, val ? 'db' : 'cache'),
            );
            return;
          }
        }
        return this.answer(req, reply.val, 'cache');
      }
      this.misses++;
      this.config.onMiss?.();
      this.miss(req, reply);
    });
  }

  private miss(req: Req, got: Extract<Reply, { type: 'got' }>): void {
    const { key } = req;
    switch (this.config.guard) {
      case 'none':
      case 'xfetch':
        return this.fetchAndFill(key, undefined, (val) => this.answer(req, val, 'db'));
      case 'single-flight':
        return this.flight(req);
      case 'mutex':
        return this.tryLock(req);
      case 'lease':
        if (got.token !== undefined)
          return this.fetchAndFill(key, got.token, (val) => this.answer(req, val, 'db'));
        if (got.stale !== undefined && this.config.serveStale) return this.answer(req, got.stale, 'stale');
        this.env.setTimer(this.config.leaseRetryMs, () => {
          if (this.live(req)) this.lookup(req);
        });
        return;
    }
  }

  /** Single-flight: concurrent misses for a key on this instance share one fetch. */
  private flight(req: Req): void {
    const { key } = req;
    const waiting = this.flights.get(key);
    if (waiting !== undefined) {
      if (waiting.length >= FLIGHT_WAITERS_BOUND) return this.finish(req, undefined);
      waiting.push(req);
      return;
    }
    const late = mutantActive(this.config.mutant, 'flight-registered-late');
    if (!late) this.flights.set(key, [req]);
    this.fetchAndFill(key, undefined, (val) => {
      const sharing = late ? [req] : (this.flights.get(key) ?? [req]);
      this.flights.delete(key);
      for (const waiter of sharing) this.answer(waiter, val, 'db');
    });
  }

  private tryLock(req: Req): void {
    const { key } = req;
    const lockKey = `lock:${key}`;
    const owner = `${this.env.id}/${this.nextOwner++}`;
    this.cacheCall(key, { type: 'lock', key: lockKey, owner, ttlMs: this.config.lockTtlMs }, (reply) => {
      if (!this.live(req)) {
        if (reply?.type === 'done' && reply.ok)
          this.cacheCall(key, { type: 'unlock', key: lockKey, owner }, () => {});
        return;
      }
      const release = () => this.cacheCall(key, { type: 'unlock', key: lockKey, owner }, () => {});
      if (reply?.type === 'done' && reply.ok) {
        const load = () =>
          this.fetchAndFill(key, undefined, (val) => {
            release();
            this.answer(req, val, 'db');
          });
        if (!this.config.recheck) return load();
        // The re-check: another holder may have filled the key while this one waited for the lock.
        this.cacheCall(key, { type: 'get', key, lease: false }, (again) => {
          if (again?.type === 'got' && again.val !== undefined) {
            release();
            return this.answer(req, again.val, 'cache');
          }
          load();
        });
        return;
      }
      this.lockWaits++;
      this.env.setTimer(this.config.lockRetryMs, () => {
        if (!this.live(req)) return;
        this.cacheCall(key, { type: 'get', key, lease: false }, (again) => {
          if (!this.live(req)) return;
          if (again?.type === 'got' && again.val !== undefined) return this.answer(req, again.val, 'cache');
          this.tryLock(req);
        });
      });
    });
  }

  /** Versioned keys: the pointer `key#ver` names the current version; `key#v<n>` holds it, never rewritten. */
  private readVersioned(req: Req): void {
    const { key } = req;
    const pointer = `${key}#ver`;
    const fromDb = () =>
      this.fetch(key, (val, deltaMs) => {
        if (val !== undefined) {
          this.fill(`${key}#v${val.version}`, val, deltaMs);
          this.fill(pointer, { version: val.version, value: String(val.version) }, deltaMs);
        }
        this.answer(req, val, 'db');
      });
    this.cacheCall(pointer, { type: 'get', key: pointer, lease: false }, (reply) => {
      if (!this.live(req)) return;
      if (reply?.type !== 'got' || reply.val === undefined) return fromDb();
      const dataKey = `${key}#v${reply.val.version}`;
      this.cacheCall(dataKey, { type: 'get', key: dataKey, lease: false }, (data) => {
        if (!this.live(req)) return;
        if (data?.type === 'got' && data.val !== undefined) return this.answer(req, data.val, 'cache');
        fromDb();
      });
    });
  }

  // ---- writes ----

  private write(req: Req, value: string): void {
    const { key } = req;
    this.local?.delete(key);
    if (this.config.writeMode === 'write-behind') {
      this.cacheCall(key, { type: 'write-behind', key, value }, (reply) =>
        this.finish(req, reply?.type === 'done' && reply.ok ? reply.val : undefined, 'cache'),
      );
      return;
    }
    this.call(this.config.dbId, { type: 'db-write', key, value }, this.config.fetchTimeoutMs, (reply) => {
      if (reply?.type !== 'db-reply' || !reply.ok || reply.val === undefined)
        return this.finish(req, undefined);
      const val = reply.val;
      const done = () => this.finish(req, val, 'db');
      switch (this.config.writeMode) {
        case 'invalidate':
          return this.cacheCall(key, { type: 'del', key }, done);
        case 'write-through':
          return this.cacheCall(key, { type: 'set', key, val, ttlMs: this.ttl(), deltaMs: 0 }, done);
        case 'versioned': {
          this.cacheCall(
            `${key}#v${val.version}`,
            { type: 'set', key: `${key}#v${val.version}`, val, ttlMs: this.ttl(), deltaMs: 0 },
            () => {},
          );
          const pointer = `${key}#ver`;
          return this.cacheCall(
            pointer,
            {
              type: 'set',
              key: pointer,
              val: { version: val.version, value: String(val.version) },
              ttlMs: this.ttl(),
              deltaMs: 0,
            },
            done,
          );
        }
        default:
          return done();
      }
    });
  }

  /**
   * Warms the cache: one bulk read of `keys`, then every key filled with this server's TTL rule (so
   * with its jitter, if any). The harness calls it, as a deploy script would.
   */
  warm(keys: readonly string[]): void {
    this.call(this.config.dbId, { type: 'db-scan', keys }, this.config.fetchTimeoutMs, (reply) => {
      if (reply?.type !== 'db-reply' || reply.vals === undefined) return;
      reply.vals.forEach((val, i) => this.fill(keys[i] as string, val, 0));
    });
  }

  /** Drops an in-process entry (an invalidation broadcast would call this). */
  forgetLocal(key: string): void {
    this.local?.delete(key);
  }

  snapshot() {
    return {
      requests: this.requests.size,
      fetches: this.fetches,
      flights: this.flights.size,
      earlyRecomputes: this.earlyRecomputes,
      lockWaits: this.lockWaits,
    };
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * A shared cache server (memcached / Redis in one process): entries with a TTL under an eviction
 * policy, leases as memcache gives them (Nishtala et al., "Scaling Memcache at Facebook", NSDI 2013,
 * §3.2.1), locks set with NX and a TTL and released by compare-and-delete, and optionally
 * read-through (it loads a miss from the database itself) and write-behind (it acknowledges a write at
 * once and persists it later).
 *
 * Time is `env.monotonic()`: a wall clock that jumps must not expire or revive an entry.
 */
import { invariant, type Env, type NodeId, type SimNode } from '@dslab/sim';
import { mutantActive } from '../kit';
import { createPolicy, TtlCache, type PolicyKind, type Timed } from './policies';
import type { CacheMessage, Val } from './messages';

/** Locks held at once, at most; past it a lock request is refused. */
export const LOCKS_BOUND = 4_096;
/** Outstanding leases (and stale copies kept for them), at most. */
export const LEASES_BOUND = 4_096;
/** Acknowledged writes waiting to be persisted by write-behind, at most; past it writes are refused. */
export const WRITE_BEHIND_BOUND = 4_096;
/** Requests waiting on one read-through load, at most. */
export const LOAD_WAITERS_BOUND = 1_024;

export const cacheServerMutants = ['sliding-expiry', 'lock-without-nx'] as const;

export interface CacheServerConfig {
  readonly capacity: number;
  readonly policy: PolicyKind;
  /** How long a lease token entitles its holder to fill the key (memcache: 10 s). */
  readonly leaseMs: number;
  /** How long an expired or deleted value is kept to be served stale to lease waiters (0: never). */
  readonly staleMs: number;
  readonly dbId: NodeId;
  readonly flushEveryMs: number;
  readonly writeBehindTtlMs: number;
  readonly loadTimeoutMs: number;
  readonly onSet?: (cache: NodeId, setId: number, key: string, ttlMs: number, val: Val) => void;
  readonly onServe?: (cache: NodeId, setId: number, key: string, val: Val) => void;
  readonly onStart?: (cache: NodeId) => void;
  readonly onDelete?: (cache: NodeId, key: string) => void;
  readonly onLock?: (cache: NodeId, key: string, owner: string, ttlMs: number) => void;
  readonly onUnlock?: (cache: NodeId, key: string, owner: string) => void;
  readonly onAck?: (key: string, value: string) => void;
  readonly mutant?: string;
}

interface Entry {
  readonly val: Val;
  readonly deltaMs: number;
  readonly setId: number;
  readonly ttlMs: number;
}

export class CacheServer implements SimNode<CacheMessage> {
  readonly store: TtlCache<Entry>;
  private readonly leases = new Map<string, { token: number; until: number }>();
  private readonly stale = new Map<string, { val: Val; until: number }>();
  private readonly locks = new Map<string, { owner: string; until: number }>();
  private readonly pending: { key: string; value: string }[] = [];
  private readonly persisting = new Map<number, { key: string; value: string }>();
  private readonly loading = new Map<string, { from: NodeId; id: number }[]>();
  private readonly loads = new Map<number, { key: string; ttlMs: number; timer: number; started: number }>();
  private nextId = 1;
  private nextToken = 1;
  private nextSet = 1;
  hits = 0;
  misses = 0;
  leasesIssued = 0;
  staleServed = 0;

  constructor(
    private readonly env: Env<CacheMessage>,
    private readonly config: CacheServerConfig,
  ) {
    invariant(config.capacity >= 3, 'cache config', () => `capacity must be ≥ 3, got ${config.capacity}`);
    this.store = new TtlCache(createPolicy<Timed<Entry>>(config.policy, config.capacity));
    if (config.flushEveryMs > 0) this.scheduleFlush();
    config.onStart?.(env.id); // a restarted server remembers no entry, lease or lock
  }

  private now(): number {
    return this.env.monotonic();
  }

  onMessage(from: NodeId, msg: CacheMessage): void {
    switch (msg.type) {
      case 'get':
        return this.onGet(from, msg.id, msg.key, msg.lease);
      case 'set':
        return this.onSet(from, msg);
      case 'del': {
        this.keepStale(msg.key, this.store.peek(msg.key)?.value.val);
        this.store.delete(msg.key);
        this.config.onDelete?.(this.env.id, msg.key);
        this.leases.delete(msg.key); // a delete invalidates the outstanding lease: its fill would be stale
        this.env.send(from, { type: 'done', id: msg.id, ok: true });
        return;
      }
      case 'lock': {
        const held = this.locks.get(msg.key);
        const free = held === undefined || this.now() >= held.until;
        const ok =
          (free || mutantActive(this.config.mutant, 'lock-without-nx')) &&
          (this.locks.size < LOCKS_BOUND || held !== undefined);
        if (ok) {
          this.locks.set(msg.key, { owner: msg.owner, until: this.now() + msg.ttlMs });
          this.config.onLock?.(this.env.id, msg.key, msg.owner, msg.ttlMs);
        }
        this.env.send(from, { type: 'done', id: msg.id, ok });
        return;
      }
      case 'unlock': {
        const held = this.locks.get(msg.key);
        const ok = held !== undefined && held.owner === msg.owner && this.now() < held.until;
        if (held !== undefined && (ok || this.now() >= held.until)) this.locks.delete(msg.key);
        if (ok) this.config.onUnlock?.(this.env.id, msg.key, msg.owner);
        this.env.send(from, { type: 'done', id: msg.id, ok });
        return;
      }
      case 'write-behind': {
        if (this.pending.length >= WRITE_BEHIND_BOUND) {
          this.env.send(from, { type: 'done', id: msg.id, ok: false });
          return;
        }
        const val: Val = { version: 0, value: msg.value };
        this.put(msg.key, val, this.config.writeBehindTtlMs, 0);
        this.pending.push({ key: msg.key, value: msg.value });
        this.config.onAck?.(msg.key, msg.value);
        this.env.send(from, { type: 'done', id: msg.id, ok: true, val });
        return;
      }
      case 'read-through':
        return this.onReadThrough(from, msg.id, msg.key, msg.ttlMs);
      case 'db-reply':
        return this.onDbReply(msg.id, msg.ok, msg.val);
      default:
        return;
    }
  }

  private onGet(from: NodeId, id: number, key: string, lease: boolean): void {
    const now = this.now();
    const peeked = this.store.peek(key);
    const hit = this.store.get(key, now);
    if (hit !== undefined) {
      this.hits++;
      const entry = hit.value;
      if (mutantActive(this.config.mutant, 'sliding-expiry')) this.store.set(key, entry, now, entry.ttlMs); // refreshes the expiry on every read
      this.config.onServe?.(this.env.id, entry.setId, key, entry.val);
      this.env.send(from, {
        type: 'got',
        id,
        val: entry.val,
        ttlLeftMs: hit.expiresAt - now,
        deltaMs: entry.deltaMs,
      });
      return;
    }
    this.misses++;
    if (peeked !== undefined) this.keepStale(key, peeked.value.val);
    if (!lease) {
      this.env.send(from, { type: 'got', id });
      return;
    }
    const held = this.leases.get(key);
    if (held === undefined || now >= held.until) {
      if (this.leases.size >= LEASES_BOUND && held === undefined) {
        this.env.send(from, { type: 'got', id, wait: true });
        return;
      }
      const token = this.nextToken++;
      this.leases.set(key, { token, until: now + this.config.leaseMs });
      this.leasesIssued++;
      this.env.send(from, { type: 'got', id, token });
      return;
    }
    const stale = this.stale.get(key);
    if (stale !== undefined && now < stale.until) {
      this.staleServed++;
      this.env.send(from, { type: 'got', id, wait: true, stale: stale.val });
    } else this.env.send(from, { type: 'got', id, wait: true });
  }

  private onSet(from: NodeId, msg: Extract<CacheMessage, { type: 'set' }>): void {
    if (msg.token !== undefined) {
      const held = this.leases.get(msg.key);
      if (held === undefined || held.token !== msg.token) {
        this.env.send(from, { type: 'done', id: msg.id, ok: false });
        return;
      }
      this.leases.delete(msg.key);
    }
    this.put(msg.key, msg.val, msg.ttlMs, msg.deltaMs);
    this.env.send(from, { type: 'done', id: msg.id, ok: true });
  }

  private put(key: string, val: Val, ttlMs: number, deltaMs: number): void {
    const setId = this.nextSet++;
    this.config.onSet?.(this.env.id, setId, key, ttlMs, val);
    this.store.set(key, { val, deltaMs, setId, ttlMs }, this.now(), ttlMs);
    this.stale.delete(key);
  }

  private keepStale(key: string, val: Val | undefined): void {
    if (val === undefined || this.config.staleMs <= 0) return;
    if (this.stale.size >= LEASES_BOUND && !this.stale.has(key)) return;
    this.stale.set(key, { val, until: this.now() + this.config.staleMs });
  }

  private onReadThrough(from: NodeId, id: number, key: string, ttlMs: number): void {
    const hit = this.store.get(key, this.now());
    if (hit !== undefined) {
      this.hits++;
      this.config.onServe?.(this.env.id, hit.value.setId, key, hit.value.val);
      this.env.send(from, { type: 'done', id, ok: true, val: hit.value.val });
      return;
    }
    this.misses++;
    const waiting = this.loading.get(key);
    if (waiting !== undefined) {
      if (waiting.length >= LOAD_WAITERS_BOUND) this.env.send(from, { type: 'done', id, ok: false });
      else waiting.push({ from, id });
      return;
    }
    this.loading.set(key, [{ from, id }]);
    const load = this.nextId++;
    const timer = this.env.setTimer(this.config.loadTimeoutMs, () => this.onDbReply(load, false));
    this.loads.set(load, { key, ttlMs, timer, started: this.now() });
    this.env.send(this.config.dbId, { type: 'db-read', id: load, key });
  }

  private onDbReply(id: number, ok: boolean, val?: Val): void {
    const load = this.loads.get(id);
    if (load !== undefined) {
      this.loads.delete(id);
      this.env.clearTimer(load.timer);
      const waiters = this.loading.get(load.key) ?? [];
      this.loading.delete(load.key);
      if (ok && val !== undefined) this.put(load.key, val, load.ttlMs, this.now() - load.started);
      for (const w of waiters)
        this.env.send(w.from, { type: 'done', id: w.id, ok, ...(ok && val ? { val } : {}) });
      return;
    }
    const write = this.persisting.get(id);
    if (write === undefined) return;
    this.persisting.delete(id);
    if (!ok) this.pending.unshift(write); // refused: try again at the next flush
  }

  private scheduleFlush(): void {
    this.env.setTimer(this.config.flushEveryMs, () => {
      for (const write of this.pending.splice(0)) {
        const id = this.nextId++;
        this.persisting.set(id, write);
        this.env.send(this.config.dbId, { type: 'db-write', id, key: write.key, value: write.value });
      }
      this.scheduleFlush();
    });
  }

  /** The live entry of a key, if any (final checks). */
  live(key: string): Val | undefined {
    const entry = this.store.peek(key);
    return entry !== undefined && this.now() < entry.expiresAt ? entry.value.val : undefined;
  }

  snapshot() {
    return {
      entries: this.store.size,
      hits: this.hits,
      misses: this.misses,
      locks: this.locks.size,
      leases: this.leases.size,
      pendingWrites: this.pending.length,
    };
  }
}

/**
 * What happened, in true (world) time, as the harness sees it: every database query, every fill and
 * serve of the cache, every lock grant, every client request and its answer. Scenarios measure from
 * here and invariants judge from here — never from the nodes' own opinion of themselves.
 */
import type { NodeId, World } from '@dslab/sim';
import type { Val } from './messages';

/** The fastest a simulated clock runs slow (the nemesis draws drift within ±2000 ppm). */
export const MAX_DRIFT = 0.002;

export class Ledger {
  /** True times of database reads, and of the hot key's reads. */
  readonly dbReads: number[] = [];
  readonly dbReadsByKey = new Map<string, number>();
  readonly refusedAt: number[] = [];
  /** True times of reads that found the shared cache without their key. */
  readonly missAt: number[] = [];
  dbWrites = 0;
  /** The database's current version of each key. */
  readonly version = new Map<string, number>();
  /** Set ids (cache:id) → when and with what TTL; what the freshness check measures ages against. */
  private readonly sets = new Map<string, { at: number; ttlMs: number }>();
  freshness: string | undefined;
  /** Fills that put a version older than the database's current one into the cache. */
  staleFills = 0;
  /** Fills older than the version the database had when the key was last deleted: put back after the delete. */
  staleAfterDelete = 0;
  private readonly deletedAt = new Map<string, number>();
  /** True times at which application servers sent a database read (the demand, before any queue). */
  readonly fetchAt: number[] = [];
  /** Versioned data keys rewritten with a different value (must stay 0). */
  dataOverwrites = 0;
  private readonly dataValues = new Map<string, string | null>();
  private readonly locks = new Map<string, { owner: string; until: number }>();
  lockGrants = 0;
  lockProblem: string | undefined;
  /** Requests in flight: key and the version the database held when the request started. */
  private readonly open = new Map<string, { at: number; key: string; minVersion: number; write: boolean }>();
  readonly latencies: number[] = [];
  readonly latencyAt: number[] = [];
  ok = 0;
  failed = 0;
  timedOut = 0;
  reads = 0;
  staleServed = 0;
  readonly from = new Map<string, number>();
  /** Penetration: reads of keys that do not exist, those the filter let through, valid keys it refused. */
  missingReads = 0;
  missingPassed = 0;
  validRejected = 0;
  /** XFetch decisions on hits: time left over Δ·β, and whether the reader recomputed. */
  readonly xfetch: { readonly x: number; readonly early: boolean }[] = [];
  /** Write-behind: acknowledged values, and values the database applied. */
  readonly acked = new Set<string>();
  readonly persisted = new Set<string>();

  constructor(readonly world: World) {}

  dbQuery(kind: 'read' | 'write', key: string): void {
    if (kind === 'write') {
      this.dbWrites++;
      return;
    }
    this.dbReads.push(this.world.now());
    this.dbReadsByKey.set(key, (this.dbReadsByKey.get(key) ?? 0) + 1);
  }

  /** True time of each key's last database write. */
  readonly lastWriteAt = new Map<string, number>();

  dbWrite(key: string, val: Val): void {
    this.version.set(key, val.version);
    this.lastWriteAt.set(key, this.world.now());
    if (val.value !== null) this.persisted.add(`${key}=${val.value}`);
  }

  miss(): void {
    this.missAt.push(this.world.now());
  }

  refused(): void {
    this.refusedAt.push(this.world.now());
  }

  cacheSet(cache: NodeId, setId: number, key: string, ttlMs: number, val?: Val): void {
    this.sets.set(`${cache}:${setId}`, { at: this.world.now(), ttlMs });
    if (val === undefined) return;
    const versioned = /^(.*)#v(\d+)$/.exec(key);
    if (versioned) {
      const seen = this.dataValues.get(key);
      if (seen !== undefined && seen !== val.value) this.dataOverwrites++;
      this.dataValues.set(key, val.value);
      return;
    }
    const base = key.endsWith('#ver') ? key.slice(0, -4) : key;
    if (val.version > 0 && val.version < (this.version.get(base) ?? 0)) this.staleFills++;
    if (val.version > 0 && val.version < (this.deletedAt.get(key) ?? 0)) this.staleAfterDelete++;
  }

  cacheDeleted(key: string): void {
    this.deletedAt.set(key, this.version.get(key) ?? 0);
  }

  fetch(): void {
    this.fetchAt.push(this.world.now());
  }

  cacheServe(cache: NodeId, setId: number): void {
    const set = this.sets.get(`${cache}:${setId}`);
    if (set === undefined || this.freshness !== undefined) return;
    const age = this.world.now() - set.at;
    // A TTL runs on the cache's monotonic clock, which may run slow by MAX_DRIFT.
    if (age > set.ttlMs / (1 - MAX_DRIFT) + 1e-6)
      this.freshness = `${cache} served a value set ${age.toFixed(1)} ms ago with a TTL of ${set.ttlMs.toFixed(1)} ms`;
  }

  /** A scenario's hook on lock grants (to crash the holder). */
  onLock: ((key: string, owner: string) => void) | undefined;

  /**
   * One lock server grants a lock to one holder at a time. Per server and per incarnation: a restarted
   * server has forgotten its locks (no persistence), and keys that fail over to another server get a
   * second, independent lock there — both real ways to get two holders, not what this checks.
   */
  lockGranted(cache: NodeId, key: string, owner: string, ttlMs: number): void {
    this.lockGrants++;
    this.onLock?.(key, owner);
    const now = this.world.now();
    const at = `${cache}|${key}`;
    const held = this.locks.get(at);
    if (held !== undefined && held.owner !== owner && now < held.until && this.lockProblem === undefined)
      this.lockProblem = `${cache} granted ${key} to ${owner} while ${held.owner} held it for ${(held.until - now).toFixed(1)} ms more`;
    // The holder's grant lasts at least this long in true time, however its server's clock drifts.
    this.locks.set(at, { owner, until: now + ttlMs * (1 - MAX_DRIFT) });
  }

  lockReleased(cache: NodeId, key: string, owner: string): void {
    const at = `${cache}|${key}`;
    if (this.locks.get(at)?.owner === owner) this.locks.delete(at);
  }

  cacheStarted(cache: NodeId): void {
    for (const at of [...this.locks.keys()]) if (at.startsWith(`${cache}|`)) this.locks.delete(at);
  }

  request(client: NodeId, id: number, key: string, write: boolean): void {
    this.open.set(`${client}:${id}`, {
      at: this.world.now(),
      key,
      minVersion: this.version.get(key) ?? 0,
      write,
    });
  }

  result(client: NodeId, id: number, ok: boolean, val: Val | undefined, from: string | undefined): void {
    const key = `${client}:${id}`;
    const open = this.open.get(key);
    if (open === undefined) return;
    this.open.delete(key);
    if (from === 'timeout') this.timedOut++;
    else if (!ok) this.failed++;
    else {
      this.ok++;
      this.latencies.push(this.world.now() - open.at);
      this.latencyAt.push(open.at);
      if (from !== undefined) this.from.set(from, (this.from.get(from) ?? 0) + 1);
    }
    if (!open.write) {
      this.reads++;
      const missing = open.key.startsWith('x');
      if (missing) this.missingReads++;
      if (missing && ok && from !== 'filter') this.missingPassed++;
      if (!missing && from === 'filter') this.validRejected++;
      // Version 0 with a value: written behind, not yet versioned by the database; not judged.
      if (ok && val !== undefined && val.value !== null && val.version > 0 && val.version < open.minVersion)
        this.staleServed++;
    }
  }

  ack(key: string, value: string): void {
    this.acked.add(`${key}=${value}`);
  }

  /** Acknowledged write-behind values the database never received. */
  lostWrites(): number {
    let lost = 0;
    for (const write of this.acked) if (!this.persisted.has(write)) lost++;
    return lost;
  }
}

/** The q-quantile (0..1) of a list of numbers; 0 when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Counts of `times` per bucket of `bucketMs` from 0 to `untilMs`. */
export function perBucket(times: readonly number[], bucketMs: number, untilMs: number): number[] {
  const out = new Array<number>(Math.ceil(untilMs / bucketMs)).fill(0);
  for (const t of times) {
    const b = Math.floor(t / bucketMs);
    if (b >= 0 && b < out.length) out[b] = (out[b] as number) + 1;
  }
  return out;
}

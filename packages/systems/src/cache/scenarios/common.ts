/** What the scenarios share: one run of a cached service, and the figures measured from its ledger. */
import { buildCacheWorld, cacheParams, type CacheCluster, type CacheParams } from '../cluster';
import { quantile } from '../ledger';

/** After the clients stop: long enough for every request in flight to finish or time out. */
export const SETTLE_MS = 1_200;

export function run(
  overrides: Partial<CacheParams>,
  seed: number,
  setup?: (cluster: CacheCluster) => void,
): CacheCluster {
  const params = cacheParams.parse(overrides);
  const cluster = buildCacheWorld(params, seed);
  setup?.(cluster);
  cluster.world.runFor(params.durationMs + SETTLE_MS);
  return cluster;
}

/**
 * Writes a new value of `key` straight into the database (another service writing), at Poisson times
 * `everyMs` apart on average: random times, so no strategy gains from the phase of a fixed schedule.
 */
export function updateEvery(key: string, everyMs: number): (cluster: CacheCluster) => void {
  return (cluster) => {
    const rng = cluster.world.rng.fork(`updates:${key}`);
    let n = 0;
    const tick = () => {
      if (cluster.world.now() >= cluster.params.durationMs) return;
      cluster.db().writeDirect(key, `${key}@direct${++n}`);
      cluster.world.after(rng.exponential(everyMs), `update ${key}`, tick);
    };
    cluster.world.after(rng.exponential(everyMs), `update ${key}`, tick);
  };
}

/** Sizes of the bursts in a sorted list of times, a burst ending at a gap longer than `gapMs`. */
export function bursts(times: readonly number[], gapMs: number): number[] {
  const sizes: number[] = [];
  let last = -Infinity;
  for (const t of times) {
    if (t - last > gapMs || sizes.length === 0) sizes.push(1);
    else sizes[sizes.length - 1] = (sizes[sizes.length - 1] as number) + 1;
    last = t;
  }
  return sizes;
}

export interface Figures {
  readonly dbReads: number;
  /** Database reads per refresh of the key, the cold start left out. */
  readonly queriesPerExpiry: number;
  readonly maxPerExpiry: number;
  readonly refreshes: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly staleServed: number;
  readonly servedStaleCopies: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly refused: number;
  readonly reads: number;
}

export function figures(cluster: CacheCluster): Figures {
  const { ledger, params } = cluster;
  const sizes = bursts(ledger.dbReads, params.ttlMs / 4).slice(1);
  const inBursts = sizes.reduce((a, b) => a + b, 0);
  return {
    dbReads: ledger.dbReads.length,
    queriesPerExpiry: sizes.length > 0 ? inBursts / sizes.length : 0,
    maxPerExpiry: sizes.length > 0 ? Math.max(...sizes) : 0,
    refreshes: sizes.length,
    p50: quantile(ledger.latencies, 0.5),
    p99: quantile(ledger.latencies, 0.99),
    max: quantile(ledger.latencies, 1),
    staleServed: ledger.staleServed,
    servedStaleCopies: ledger.from.get('stale') ?? 0,
    failed: ledger.failed,
    timedOut: ledger.timedOut,
    refused: ledger.refusedAt.length,
    reads: ledger.reads,
  };
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function hashOf(clusters: readonly CacheCluster[]): string {
  return clusters
    .map((c) => c.world.traceHash())
    .join('')
    .slice(0, 32);
}

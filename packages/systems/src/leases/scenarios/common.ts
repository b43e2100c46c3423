/** What the leases scenarios share: a run of the lock world with given params, and its figures. */
import {
  buildLeaseWorld,
  leaseParams,
  type LeaseBuildOptions,
  type LeaseCluster,
  type LeaseParams,
} from '../cluster';

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export interface LockFigures {
  readonly acquisitions: number;
  /** The most clients that believed at once that they held the lock. */
  readonly maxBelievers: number;
  /** True ms during which two or more believed it. */
  readonly overlapMs: number;
  readonly applied: number;
  readonly refused: number;
  /** Writes of a superseded holder applied on top of a newer holder's writes. */
  readonly corrupted: number;
  readonly stale: number;
  readonly traceHash: string;
}

export function figures(cluster: LeaseCluster): LockFigures {
  const { ledger, world } = cluster;
  ledger.settle();
  return {
    acquisitions: ledger.acquisitions,
    maxBelievers: ledger.maxBelievers,
    overlapMs: round(ledger.overlapMs),
    applied: ledger.accepted,
    refused: ledger.rejected,
    corrupted: ledger.corrupted,
    stale: ledger.stale,
    traceHash: world.traceHash(),
  };
}

/** Builds a world from `overrides` on the defaults, lets `setup` add its faults, runs it, and measures. */
export function runLocks(
  overrides: Partial<LeaseParams>,
  seed: number,
  setup?: (cluster: LeaseCluster) => void,
  options: LeaseBuildOptions = {},
): { cluster: LeaseCluster; figures: LockFigures } {
  const params = leaseParams.parse(overrides);
  const cluster = buildLeaseWorld(params, seed, 'hash', options);
  setup?.(cluster);
  cluster.world.runFor(params.durationMs);
  return { cluster, figures: figures(cluster) };
}

/** Measurements under a prefix: `fenced.corrupted`, … */
export function prefixed(prefix: string, values: LockFigures): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(values))
    if (typeof value === 'number') out[`${prefix}.${key}`] = value;
  return out;
}

export const FIGURE_COLUMNS = [
  'run',
  'acquisitions',
  'most believers at once',
  'overlap ms',
  'writes applied',
  'writes refused',
  'corrupting writes',
] as const;

export function figureRow(name: string, f: LockFigures): (string | number)[] {
  return [name, f.acquisitions, f.maxBelievers, f.overlapMs, f.applied, f.refused, f.corrupted];
}

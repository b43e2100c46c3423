/** Builds an id-generation world from params: what the free run, the scenarios, the fuzzer and the lab share. */
import { World, type Env, type Message, type TraceMode } from '@dslab/sim';
import { z } from 'zod';
import { IdLedger } from './ledger';
import { installInvariants } from './invariants';
import { IdWorker, idMutants, type IdWorkerConfig } from './worker';

/** 2025-01-01T00:00:00Z: what the simulated clocks' zero means in Unix milliseconds. */
export const UNIX_MS_AT_SIM_ZERO = 1_735_689_600_000;

export const idParams = z
  .object({
    workers: z.number().int().min(1).max(64).default(3),
    /** Mean milliseconds between one worker's own requests (0: none, only bursts). */
    intervalMs: z.number().min(0).max(60_000).default(5),
    /** Each worker's clock starts off true time by up to ± this (drawn from the seed). */
    clockSpreadMs: z.number().min(0).max(600_000).default(20),
    /** Each worker's clock drifts by up to ± this many parts per million (drawn from the seed). */
    driftSpreadPpm: z.number().min(0).max(100_000).default(50),
    reserveMs: z.number().int().min(1).max(60_000).default(100),
    durationMs: z.number().positive().max(3_600_000).default(3_000),
    /** A burst of this many requests to one worker at `burstAtMs` (0: none): more than 4,096 exhausts a millisecond. */
    burst: z.number().int().min(0).max(100_000).default(0),
    burstAtMs: z.number().min(0).default(1_000),
    mutant: z.enum(idMutants).optional(),
  })
  .strict();

export type IdParams = z.infer<typeof idParams>;

export interface IdCluster {
  readonly world: World;
  readonly ledger: IdLedger;
  readonly workers: readonly string[];
}

export function workerIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `w${i + 1}`);
}

export function workerConfig(params: IdParams, index: number): IdWorkerConfig {
  return {
    workerNumber: index + 1,
    unixMsAtZero: UNIX_MS_AT_SIM_ZERO,
    intervalMs: params.intervalMs,
    reserveMs: params.reserveMs,
    ...(params.mutant !== undefined ? { mutant: params.mutant } : {}),
  };
}

export interface BuildOptions {
  /** The ledger keeps every id (scenarios measure them; fuzzing only checks). */
  readonly keep?: boolean;
  /**
   * Install the invariants (default). A scenario that shows what a broken variant does turns them off
   * and counts its duplicates instead of stopping at the first.
   */
  readonly invariants?: boolean;
}

export function buildIdWorld(
  params: IdParams,
  seed: number,
  trace: TraceMode = 'hash',
  options: BuildOptions = {},
): IdCluster {
  const world = new World({ seed, trace });
  const workers = workerIds(params.workers);
  const clocks = world.rng.fork('clocks');
  workers.forEach((id, index) => {
    const config = workerConfig(params, index);
    world.addNode(id, (env: Env<Message>) => new IdWorker(env, config), {
      clock: {
        offsetMs: clocks.uniform(-params.clockSpreadMs, params.clockSpreadMs),
        driftPpm: clocks.uniform(-params.driftSpreadPpm, params.driftSpreadPpm),
      },
    });
  });
  const ledger = new IdLedger(world, options.keep ?? false);
  if (options.invariants ?? true) installInvariants(world, ledger);
  if (params.burst > 0) {
    const target = workers[world.rng.fork('burst').int(workers.length)] as string;
    world.at(params.burstAtMs, `burst of ${params.burst} requests to ${target}`, () => {
      if (world.isUp(target) && !world.isPaused(target)) world.node<IdWorker>(target).request(params.burst);
    });
  }
  return { world, ledger, workers };
}

/** Totals over the workers that are up. */
export function idTotals(cluster: IdCluster): Record<string, number> {
  let pending = 0;
  let waitsForSequence = 0;
  let waitsForClock = 0;
  for (const id of cluster.workers) {
    if (!cluster.world.isUp(id)) continue;
    const s = cluster.world.node<IdWorker>(id).snapshot();
    pending += s.pendingSnowflakes;
    waitsForSequence += s.waitsForSequence;
    waitsForClock += s.waitsForClock;
  }
  const { ledger } = cluster;
  return {
    snowflakes: ledger.issued.get('snowflake') ?? 0,
    ulids: ledger.issued.get('ulid') ?? 0,
    uuidv7s: ledger.issued.get('uuidv7') ?? 0,
    uuidv4s: ledger.issued.get('uuidv4') ?? 0,
    duplicates: ledger.duplicates,
    'snowflakes pending': pending,
    'waits: sequence exhausted': waitsForSequence,
    'waits: clock behind': waitsForClock,
  };
}

/** Id generation (catalog C2): Snowflake, ULID, UUIDv7 and UUIDv4 from Env time and randomness. */
import type { LiveNodeView, SystemDefinition } from '../contract';
import { simulatedSystem, standardNemesis, type SimulationSpec } from '../kit';
import { buildIdWorld, idParams, idTotals, type IdCluster, type IdParams } from './cluster';
import { ORDER_CHECK, orderProblem } from './invariants';
import { idScenarios } from './scenarios';
import type { IdWorker } from './worker';

export { idMutants, schemes, IdWorker, type Scheme, type IssuedId } from './worker';
export { SnowflakeGenerator, encodeSnowflake, decodeSnowflake } from './snowflake';
export { UlidGenerator, decodeUlidTime } from './ulid';
export { UuidV7Generator, uuidV4 } from './uuid';

/** After the nemesis heals, long enough for a clock stepped back a second to catch up and waits to end. */
const SETTLE_MS = 2_500;

function nodeCards({ world, workers }: IdCluster): LiveNodeView[] {
  return workers.map((id): LiveNodeView => {
    const up = world.isUp(id);
    const s = up ? world.node<IdWorker>(id).snapshot() : undefined;
    return {
      id,
      up,
      paused: up && world.isPaused(id),
      facts: s
        ? {
            issued: s.issued,
            'snowflakes pending': s.pendingSnowflakes,
            'waits (sequence)': s.waitsForSequence,
            'waits (clock)': s.waitsForClock,
            'clock offset ms': Number(world.clock(id).offset().toFixed(1)),
          }
        : {},
    };
  });
}

export const idSimulation: SimulationSpec<IdParams, IdCluster> = {
  systemId: 'ids',
  build: (params, seed, trace) => buildIdWorld(params, seed, trace),
  durationMs: (params) => params.durationMs,
  metrics: (cluster) => idTotals(cluster),
  nodes: nodeCards,
  liveChecks: ({ ledger }) => ({ [ORDER_CHECK]: orderProblem(ledger) }),
  fuzz: {
    mutants: [
      {
        name: 'snowflake-ignore-rollback',
        breaks:
          'Snowflake believes a clock that stepped back and restarts the sequence in milliseconds it already used',
        seed: 0,
        caughtBy: 'ids are unique',
      },
      {
        name: 'snowflake-sequence-wraps',
        breaks:
          'past 4,096 ids in a millisecond the sequence wraps to 0 instead of waiting for the next millisecond',
        seed: 1,
        caughtBy: 'ids are unique',
      },
      {
        name: 'snowflake-no-high-water-mark',
        breaks: 'a restarted worker trusts its clock instead of the milliseconds it reserved on disk',
        seed: 1,
        caughtBy: 'ids are unique',
      },
      {
        name: 'ulid-not-monotonic',
        breaks:
          'ULIDs draw fresh randomness within a millisecond (the plain mode), so they no longer increase',
        seed: 0,
        caughtBy: ORDER_CHECK,
      },
      {
        name: 'uuidv4-missing-variant',
        breaks: 'UUIDv4 sets the version nibble but leaves the variant bits random',
        seed: 0,
        caughtBy: 'ids hold their layout',
      },
    ],
    params: (_seed, mutant) =>
      idParams.parse({
        workers: 4,
        intervalMs: 4,
        durationMs: 3_000,
        burst: 4_500,
        burstAtMs: 1_200,
        ...(mutant ? { mutant } : {}),
      }),
    nemesis: ({ world, workers }, seed, params) =>
      standardNemesis(world, seed, workers, {
        startMs: 100,
        endMs: params.durationMs - 300,
        meanIntervalMs: 120,
        maxDurationMs: 600,
        families: ['clock', 'crash', 'pause'],
        maxDown: 2,
      }),
    drive: (cluster, params) => {
      cluster.world.runFor(params.durationMs + SETTLE_MS);
      const pending = idTotals(cluster)['snowflakes pending'] as number;
      return pending > 0
        ? `${pending} Snowflake requests still waiting ${SETTLE_MS} ms after the faults healed`
        : undefined;
    },
    finalChecks: [{ name: ORDER_CHECK, check: ({ ledger }) => orderProblem(ledger) }],
  },
};

export const idSystem: SystemDefinition<IdParams> = {
  id: 'ids',
  title: 'Id generation',
  rows: ['C2'],
  summary:
    'Workers issue Snowflake, ULID, UUIDv7 and UUIDv4 ids from their own clocks and random streams while the ' +
    'nemesis steps, skews and drifts those clocks: uniqueness and per-worker order checked at every event, ' +
    'sequence exhaustion and clock rollback handled by waiting, and what each scheme does to a B+tree index measured.',
  params: idParams,
  scenarios: idScenarios,
  ...simulatedSystem(idSimulation),
};

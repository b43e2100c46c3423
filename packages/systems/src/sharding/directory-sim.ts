/**
 * The directory service on the system kit: a small world (a few hundred rows, a whale tenant, a hot key)
 * whose two moves start mid-run while clients read and write, so it runs free, live in the lab, and
 * fuzzed under pauses and clock faults with final checks on what the servers hold and what the clients read.
 */
import { Rng, type TraceMode } from '@dslab/sim';
import { z } from 'zod';
import type { LiveNodeView } from '../contract';
import { simulatedSystem, standardNemesis, type SimulationSpec } from '../kit';
import { after } from './directory';
import type { DirectoryClient } from './directory-service';
import {
  HOT_KEY,
  WHALE,
  buildDirectoryWorld,
  directoryFinalState,
  tenantStart,
  type DirectoryWorld,
} from './directory-world';

export const directoryMutants = ['no-freeze', 'keep-source-rows', 'ack-before-apply'] as const;

export const directoryParams = z
  .object({
    tenants: z.number().int().min(43).max(10_000).default(50),
    rowsPerTenant: z.number().int().min(1).max(1_000).default(20),
    whaleFactor: z.number().int().min(1).max(1_000).default(20),
    shards: z.number().int().min(3).max(64).default(4),
    clients: z.number().int().min(1).max(64).default(4),
    hotKeyShare: z.number().min(0).max(1).default(0.05),
    thinkMeanMs: z.number().positive().max(1_000).default(1),
    /** When the directory starts moving the whale to the spare shard, then the hot key. */
    moveAtMs: z.number().min(0).default(300),
    /** How long a free run lasts; fuzz seeds fault the world until `faultsEndMs`. */
    durationMs: z.number().positive().max(600_000).default(1_500),
    faultsEndMs: z.number().positive().default(1_000),
    mutant: z.enum(directoryMutants).optional(),
  })
  .strict();

export type DirectoryParams = z.infer<typeof directoryParams>;

/** How long the healed world gets to finish its moves, and its clients their requests. */
export const SETTLE_MS = 5_000;
/** Traffic after the moves, so stale caches are redirected and the new owners read and written. */
const AFTER_MOVES_MS = 200;

export function buildDirectorySim(params: DirectoryParams, seed: number, trace: TraceMode): DirectoryWorld {
  if (params.moveAtMs >= params.faultsEndMs)
    throw new Error(`moveAtMs (${params.moveAtMs}) must come before faultsEndMs (${params.faultsEndMs})`);
  const w = buildDirectoryWorld({ ...params, seed, trace });
  const { world, table } = w;
  world.at(params.moveAtMs, 'rebalance', () => {
    // The whale to the spare shard; the hot key to the least busy other shard, as the scenario does.
    const served = w.servers().map((server) => server.served);
    const whaleShard = table.lookup(tenantStart(WHALE)).shard;
    const hotShard = table.lookup(HOT_KEY).shard;
    let target = -1;
    for (let s = 0; s < params.shards; s++) {
      if (s === whaleShard || s === hotShard) continue;
      if (target < 0 || (served[s] as number) < (served[target] as number)) target = s;
    }
    const directory = w.directory();
    directory.move(tenantStart(WHALE), tenantStart(WHALE + 1), params.shards);
    directory.move(HOT_KEY, after(HOT_KEY), target);
  });
  return w;
}

function clients(w: DirectoryWorld): DirectoryClient[] {
  return w.clientIds.map((id) => w.world.node<DirectoryClient>(id));
}

function nodeCards(w: DirectoryWorld): LiveNodeView[] {
  const { world } = w;
  const directory = w.directory();
  return [
    {
      id: 'directory',
      up: world.isUp('directory'),
      paused: world.isPaused('directory'),
      role: directory.busy ? 'moving' : 'directory',
      facts: { version: w.table.version, ranges: w.table.size, lookups: directory.lookups },
    },
    ...w.servers().map((server, s): LiveNodeView => {
      const id = w.shardIds[s] as string;
      const { owned, frozen } = server.ranges;
      return {
        id,
        up: world.isUp(id),
        paused: world.isPaused(id),
        role: frozen > 0 ? 'moving out' : 'shard',
        facts: { rows: server.rows.size, ranges: owned, served: server.served },
      };
    }),
    ...clients(w).map((client, c): LiveNodeView => ({
      id: w.clientIds[c] as string,
      up: world.isUp(w.clientIds[c] as string),
      paused: world.isPaused(w.clientIds[c] as string),
      role: 'client',
      facts: {
        done: client.completed,
        lookups: client.lookups,
        redirects: client.redirects,
        busy: client.busy,
      },
    })),
  ];
}

function metrics(w: DirectoryWorld): Record<string, number> {
  let requests = 0;
  let redirects = 0;
  let busy = 0;
  for (const client of clients(w)) {
    requests += client.completed;
    redirects += client.redirects;
    busy += client.busy;
  }
  const directory = w.directory();
  return {
    requests,
    directoryLookups: directory.lookups,
    staleRedirects: redirects,
    busyRetries: busy,
    movesDone: directory.moves.filter((m) => m.doneAt !== undefined).length,
    tableVersionsAdded: w.table.version - w.baseVersion,
    staleReads: w.counters.staleReads,
  };
}

const staleReadProblem = (w: DirectoryWorld) =>
  w.counters.staleReads > 0
    ? `${w.counters.staleReads} reads by a key's only writer returned something other than its last acknowledged write (first: ${w.counters.firstStaleRead})`
    : undefined;

/** Runs the faulted phase, lets the healed world finish both moves, then stops the clients and drains. */
function drive(w: DirectoryWorld, params: DirectoryParams): string | undefined {
  const { world } = w;
  const directory = w.directory();
  world.runFor(params.faultsEndMs);
  const moved = world.runUntilCondition(() => directory.moves.length === 2 && !directory.busy, SETTLE_MS);
  if (!moved) {
    const done = directory.moves.filter((m) => m.doneAt !== undefined).length;
    return `${done} of 2 moves finished within ${SETTLE_MS} ms of the heal`;
  }
  world.runFor(AFTER_MOVES_MS);
  w.stopClients();
  world.runUntilQuiet(SETTLE_MS);
  const waiting = clients(w).filter((client) => !client.idle).length;
  return waiting > 0 ? `${waiting} clients still waiting ${SETTLE_MS} ms after they stopped` : undefined;
}

/** A fuzz seed's world: the defaults with the sizes, pacing and move time drawn from the seed. */
function fuzzParams(seed: number, mutant: string | undefined): DirectoryParams {
  const rng = new Rng(seed).fork('params');
  return directoryParams.parse({
    shards: 3 + rng.int(3),
    clients: 3 + rng.int(4),
    rowsPerTenant: 10 + rng.int(21),
    thinkMeanMs: rng.uniform(0.5, 2),
    moveAtMs: rng.uniform(100, 500),
    ...(mutant ? { mutant } : {}),
  });
}

export const directorySimulation: SimulationSpec<DirectoryParams, DirectoryWorld> = {
  systemId: 'sharding',
  build: buildDirectorySim,
  durationMs: (params) => params.durationMs,
  metrics,
  nodes: nodeCards,
  liveChecks: (w) => ({ 'read-your-writes': staleReadProblem(w) }),
  fuzz: {
    mutants: [
      {
        name: 'no-freeze',
        breaks:
          'the source keeps serving a range while it copies it, so writes after their batch left are lost',
        seed: 0,
        caughtBy: 'no-lost-write',
      },
      {
        name: 'keep-source-rows',
        breaks: 'the source keeps the rows of a range it gave away, so two shards hold them',
        seed: 0,
        caughtBy: 'one-holder-per-key',
      },
      {
        name: 'ack-before-apply',
        breaks:
          'the target acknowledges a batch when it arrives, not once written, so it owns rows it does not yet hold',
        seed: 3,
        caughtBy: 'read-your-writes',
      },
    ],
    params: fuzzParams,
    // The move protocol does not resend (see directory-service.ts): a message lost to a partition, a crash
    // (rows are in memory) or link loss leaves a move or a client stuck by design, not by a bug, and a
    // duplicated batch ack would skip a batch — a transport the service does not assume. So the nemesis
    // pauses nodes (their messages wait, as a stopped process's socket buffers do) and skews their
    // clocks; the moves run under it.
    nemesis: (w, seed, params) =>
      standardNemesis(w.world, seed, [...w.shardIds, 'directory', ...w.clientIds], {
        startMs: 50,
        endMs: params.faultsEndMs,
        meanIntervalMs: 80,
        maxDurationMs: 200,
        families: ['pause', 'clock'],
      }),
    drive,
    finalChecks: [
      {
        name: 'no-lost-write',
        check: (w) => {
          const state = directoryFinalState(w);
          return state.lostWrites > 0
            ? `${state.lostWrites} keys do not hold their last acknowledged write on the shard the directory names (${state.examples.lost})`
            : undefined;
        },
      },
      {
        name: 'one-holder-per-key',
        check: (w) => {
          const s = directoryFinalState(w);
          const wrong = s.unheldKeys + s.doublyHeldKeys + s.misplacedKeys;
          return wrong > 0
            ? `${s.unheldKeys} keys held by no shard, ${s.doublyHeldKeys} by two or more, ${s.misplacedKeys} by a shard the directory does not name (${s.examples.held ?? s.examples.misplaced})`
            : undefined;
        },
      },
      { name: 'read-your-writes', check: staleReadProblem },
    ],
  },
};

export const directorySimulated = simulatedSystem(directorySimulation);

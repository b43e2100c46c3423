/**
 * The live world the lab draws: writers appending orders and their outbox rows through a sequence, and a
 * relay (polling with SKIP LOCKED, or tailing by id) moving them to the broker, for as long as it runs.
 */
import { Rng, type TraceMode, type World } from '@dslab/sim';
import { z } from 'zod';
import { buildMvccWorld, mvccParams, type MvccCluster } from '../mvcc/cluster';
import { Fleet } from './fleet';
import {
  Broker,
  ORDERS,
  OUTBOX,
  SEQ,
  outboxMutants,
  outboxWriter,
  pollingRelay,
  tailingRelay,
  type RelayContext,
} from './outbox';

export const outboxParams = z
  .object({
    writers: z.number().int().min(1).max(8).default(4),
    /** Each writer starts a new order this often. */
    writeEveryMs: z.number().positive().max(60_000).default(40),
    /** A writer's transaction stays open up to this long after it took its id. */
    holdMs: z.number().min(0).max(60_000).default(30),
    relay: z.enum(['polling', 'tailing']).default('tailing'),
    relays: z.number().int().min(1).max(4).default(1),
    /** Chance per batch that a polling relay dies between publishing and marking. */
    crash: z.number().min(0).max(1).default(0.05),
    publishMs: z.number().min(0).max(10_000).default(1),
    /** Chance that a writer's order fails validation and its transaction rolls back. */
    abort: z.number().min(0).max(1).default(0.05),
    mutant: z.enum(outboxMutants).optional(),
    durationMs: z.number().positive().max(600_000).default(10_000),
    latencyMs: z.number().min(0).max(1_000).default(1),
    jitterMs: z.number().min(0).max(1_000).default(1),
  })
  .strict();

export type OutboxParams = z.infer<typeof outboxParams>;

export const NO_PHANTOMS = 'only committed rows are published';

export interface OutboxCluster {
  readonly world: World;
  readonly params: OutboxParams;
  readonly db: MvccCluster;
  readonly broker: Broker;
  readonly fleet: Fleet;
  /** The tailing relay's last id read, per relay. */
  readonly positions: Map<string, number>;
  relayCrashes: number;
  /** Publications of rows that were not committed when published (a dual write's phantoms). */
  phantoms: number;
  /** True once every writer has finished. */
  writersDone(): boolean;
}

export function buildOutboxWorld(params: OutboxParams, seed: number, trace: TraceMode): OutboxCluster {
  const db = buildMvccWorld(
    mvccParams.parse({
      sessions: params.writers + params.relays + 2,
      latencyMs: params.latencyMs,
      jitterMs: params.jitterMs,
    }),
    seed,
    trace,
    [
      { schema: ORDERS, rows: [] },
      { schema: OUTBOX, rows: [] },
      { schema: SEQ, rows: [{ id: 1, v: 0 }] },
    ],
  );
  const { world } = db;
  const fleet = new Fleet(db);
  const broker = new Broker(() => world.now());
  const rng = new Rng(seed).fork('live outbox');
  let eventId = 0;
  let writersLeft = params.writers;
  const cluster: OutboxCluster = {
    world,
    params,
    db,
    broker,
    fleet,
    positions: new Map(),
    relayCrashes: 0,
    phantoms: 0,
    writersDone: () => writersLeft === 0,
  };
  // Every publication is checked against the table as it happens: was the row committed?
  broker.onPublish = (id) => {
    const committed = db
      .server()
      .engine.tuples(OUTBOX.name)
      .some((t) => Number(t.values.id) === id && t.state !== 'inserting' && t.state !== 'aborted');
    if (!committed) cluster.phantoms++;
  };
  world.addInvariant(NO_PHANTOMS, () =>
    cluster.phantoms > 0
      ? `${cluster.phantoms} events published for rows that were not committed`
      : undefined,
  );
  const perWriter = Math.max(1, Math.floor(params.durationMs / params.writeEveryMs));
  for (let w = 1; w <= params.writers; w++) {
    const writes = outboxWriter(
      {
        broker,
        table: OUTBOX.name,
        pause: (ms) => ({ kind: 'pause', ms }),
        holdMs: () => rng.uniform(0, params.holdMs),
        // Think time after each order, so a writer starts one about every `writeEveryMs`.
        thinkMs: () => rng.exponential(params.writeEveryMs),
        abort: () => rng.chance(params.abort),
        mutant: params.mutant,
        nextEventId: () => ++eventId,
      },
      w,
      perWriter,
    );
    fleet.spawn(
      `writer ${w}`,
      (function* () {
        yield* writes;
        writersLeft--;
      })(),
      w * 3,
    );
  }
  const relayContext = (name: string): RelayContext => ({
    broker,
    table: OUTBOX.name,
    name,
    batch: 5,
    publishMs: params.publishMs,
    pollMs: 5,
    writersDone: () => writersLeft === 0,
    crashAfterPublish: () => params.relay === 'polling' && rng.chance(params.crash),
    onCrash: () => {
      cluster.relayCrashes++;
      start(name, 50);
    },
    onPosition: (last) => cluster.positions.set(name, last),
    mutant: params.mutant,
  });
  const start = (name: string, delayMs: number) =>
    fleet.spawn(
      name,
      params.relay === 'polling' ? pollingRelay(relayContext(name)) : tailingRelay(relayContext(name)),
      delayMs,
    );
  for (let r = 1; r <= params.relays; r++) start(`relay ${r}`, 0);
  return cluster;
}

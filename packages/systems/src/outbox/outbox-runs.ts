/** Runs the outbox experiments on the engine and reads what reached the broker. */
import { Rng } from '@dslab/sim';
import { buildMvccWorld, mvccParams } from '../mvcc/cluster';
import { Fleet } from './fleet';
import {
  Broker,
  EVENTS,
  ORDERS,
  OUTBOX,
  SEQ,
  dualWriter,
  orderRequest,
  outboxWriter,
  pollingRelay,
  tailingRelay,
  type DualWrite,
  type Published,
  type RelayContext,
  type WriterContext,
} from './outbox';

const LIMIT_MS = 600_000;

export interface Delivery {
  /** Committed rows never published. */
  readonly lost: number;
  /** Published events that were never committed (phantoms). */
  readonly phantoms: number;
  /** Extra publications of a row already published. */
  readonly duplicates: number;
  /** Pairs of one aggregate's events published in the opposite order of their ids. */
  readonly reordered: number;
  readonly committed: number;
  readonly published: number;
  /** One example of each problem, for the counterexample. */
  readonly examples: { readonly lost?: number; readonly reordered?: readonly [Published, Published] };
}

/** Compares what was committed with what reached the broker. */
export function judgeDelivery(committed: ReadonlySet<number>, published: readonly Published[]): Delivery {
  const seen = new Map<number, number>();
  let duplicates = 0;
  let phantoms = 0;
  let reordered = 0;
  let reorderedExample: [Published, Published] | undefined;
  const lastOf = new Map<number, Published>();
  for (const p of published) {
    const n = (seen.get(p.id) ?? 0) + 1;
    seen.set(p.id, n);
    if (n > 1) {
      duplicates++;
      continue;
    }
    if (!committed.has(p.id)) phantoms++;
    const last = lastOf.get(p.aggregate);
    if (last !== undefined && last.id > p.id) {
      reordered++;
      reorderedExample ??= [last, p];
    }
    if (last === undefined || p.id > last.id) lastOf.set(p.aggregate, p);
  }
  let lost = 0;
  let lostExample: number | undefined;
  for (const id of committed)
    if (!seen.has(id)) {
      lost++;
      lostExample ??= id;
    }
  return {
    lost,
    phantoms,
    duplicates,
    reordered,
    committed: committed.size,
    published: published.length,
    examples: {
      ...(lostExample !== undefined ? { lost: lostExample } : {}),
      ...(reorderedExample ? { reordered: reorderedExample } : {}),
    },
  };
}

export interface RelayRunOptions {
  readonly seed: number;
  readonly relay: 'polling' | 'tailing';
  readonly relays: number;
  readonly writers: number;
  readonly eventsPerWriter: number;
  /** A writer's transaction stays open this long after taking its id: uniform in [0, holdMs). */
  readonly holdMs: number;
  /** Chance per batch that a polling relay dies between publishing and marking. */
  readonly crash: number;
  readonly table?: 'outbox' | 'events';
  readonly publishMs?: number;
  readonly pollMs?: number;
  /** The relays start this late (a deploy, a restart): a backlog is waiting for them. */
  readonly relayDelayMs?: number;
}

export interface RelayRun extends Delivery {
  readonly crashes: number;
  readonly traceHash: string;
}

export function runRelays(options: RelayRunOptions): RelayRun {
  const table = options.table === 'events' ? EVENTS : OUTBOX;
  const cluster = buildMvccWorld(
    mvccParams.parse({ sessions: options.writers + options.relays + 2, jitterMs: 1 }),
    options.seed,
    'hash',
    [
      { schema: ORDERS, rows: [] },
      { schema: table, rows: [] },
      { schema: SEQ, rows: [{ id: 1, v: 0 }] },
    ],
  );
  const { world } = cluster;
  const fleet = new Fleet(cluster);
  const broker = new Broker(() => world.now());
  const rng = new Rng(options.seed).fork('outbox');
  let eventId = 0;
  let writersLeft = options.writers;
  let crashes = 0;
  const writer: WriterContext = {
    broker,
    table: table.name,
    pause: (ms) => ({ kind: 'pause', ms }),
    holdMs: () => rng.uniform(0, options.holdMs),
    nextEventId: () => ++eventId,
  };
  for (let w = 1; w <= options.writers; w++) {
    const program = outboxWriter(writer, w, options.eventsPerWriter);
    fleet.spawn(
      `writer ${w}`,
      (function* () {
        yield* program;
        writersLeft--;
      })(),
    );
  }
  const relayContext = (name: string): RelayContext => ({
    broker,
    table: table.name,
    name,
    batch: 5,
    publishMs: options.publishMs ?? 1,
    pollMs: options.pollMs ?? 5,
    writersDone: () => writersLeft === 0,
    crashAfterPublish: () => rng.chance(options.crash),
    onCrash: () => {
      crashes++;
      startRelay(name, 20);
    },
  });
  const startRelay = (name: string, delayMs: number) =>
    fleet.spawn(
      name,
      options.relay === 'polling' ? pollingRelay(relayContext(name)) : tailingRelay(relayContext(name)),
      delayMs,
    );
  for (let r = 1; r <= options.relays; r++) startRelay(`relay ${r}`, options.relayDelayMs ?? 0);
  fleet.runToEnd(LIMIT_MS);
  const committed = new Set(
    cluster
      .server()
      .engine.committedRows(table.name)
      .map((row) => Number(row.id)),
  );
  return { ...judgeDelivery(committed, broker.published), crashes, traceHash: world.traceHash() };
}

export interface DualWriteRun extends Delivery {
  readonly traceHash: string;
}

/** Orders written with a dual write: `crash` between the two steps, `commitFails` makes the commit fail. */
export function runDualWrite(options: {
  readonly seed: number;
  readonly how: DualWrite;
  readonly orders: number;
  readonly crash: number;
  readonly commitFails: number;
}): DualWriteRun {
  const cluster = buildMvccWorld(mvccParams.parse({ sessions: 4, jitterMs: 1 }), options.seed, 'hash', [
    { schema: ORDERS, rows: [{ id: 0, request: 0 }] },
  ]);
  const { world } = cluster;
  const fleet = new Fleet(cluster);
  const broker = new Broker(() => world.now());
  const rng = new Rng(options.seed).fork('dual write');
  let eventId = 0;
  const context: WriterContext = {
    broker,
    table: OUTBOX.name,
    pause: (ms) => ({ kind: 'pause', ms }),
    holdMs: () => 0,
    nextEventId: () => ++eventId,
  };
  for (let id = 1; id <= options.orders; id++) {
    const crash = rng.fork(`crash ${id}`).chance(options.crash);
    const fails = rng.fork(`fails ${id}`).chance(options.commitFails);
    fleet.spawn(`order ${id}`, dualWriter(context, options.how, id, crash, fails), id * 2);
  }
  fleet.runToEnd(LIMIT_MS);
  const committed = new Set(
    cluster
      .server()
      .engine.committedRows(ORDERS.name)
      .map((row) => Number(row.id))
      .filter((id) => id !== 0),
  );
  return { ...judgeDelivery(committed, broker.published), traceHash: world.traceHash() };
}

export interface ProducerRun {
  readonly requests: number;
  readonly retries: number;
  readonly outboxRows: number;
  /** Requests whose events a consumer deduplicating by event id applies more than once, and the extras. */
  readonly duplicatedRequests: number;
  readonly extraEffects: number;
  readonly traceHash: string;
}

/** Order requests, some retried after the first committed (the client never saw the answer). */
export function runOrderRequests(options: {
  readonly seed: number;
  readonly requests: number;
  readonly retry: number;
  readonly fixed: boolean;
}): ProducerRun {
  const cluster = buildMvccWorld(mvccParams.parse({ sessions: 8, jitterMs: 1 }), options.seed, 'hash', [
    { schema: ORDERS, rows: [] },
    { schema: OUTBOX, rows: [] },
    { schema: SEQ, rows: [{ id: 1, v: 0 }] },
  ]);
  const { world } = cluster;
  const fleet = new Fleet(cluster);
  const rng = new Rng(options.seed).fork('retries');
  let eventId = 1_000_000;
  const context: WriterContext = {
    broker: new Broker(() => world.now()),
    table: OUTBOX.name,
    pause: (ms) => ({ kind: 'pause', ms }),
    holdMs: () => 0,
    nextEventId: () => ++eventId,
  };
  let retries = 0;
  for (let request = 1; request <= options.requests; request++) {
    fleet.spawn(`request ${request}`, orderRequest(context, request, options.fixed), request * 2);
    if (rng.chance(options.retry)) {
      retries++;
      fleet.spawn(`retry ${request}`, orderRequest(context, request, options.fixed), request * 2 + 100);
    }
  }
  fleet.runToEnd(LIMIT_MS);
  const eventsPerRequest = new Map<number, Set<number>>();
  const rows = cluster.server().engine.committedRows(OUTBOX.name);
  for (const row of rows) {
    const request = Number(row.aggregate);
    const set = eventsPerRequest.get(request) ?? new Set<number>();
    set.add(Number(row.event));
    eventsPerRequest.set(request, set);
  }
  let duplicatedRequests = 0;
  let extraEffects = 0;
  for (const set of eventsPerRequest.values())
    if (set.size > 1) {
      duplicatedRequests++;
      extraEffects += set.size - 1;
    }
  return {
    requests: options.requests,
    retries,
    outboxRows: rows.length,
    duplicatedRequests,
    extraEffects,
    traceHash: world.traceHash(),
  };
}

/**
 * One delivery experiment: a producer publishes events (some twice, as a retried publish does), a
 * consumer group applies them to the database with one strategy, under one fault plan drawn from the
 * seed — the same crashes and stalls at the same records for every strategy — and the effects table
 * tells what happened: each event applied once, more than once (duplicates), or never (lost).
 */
import { Rng } from '@dslab/sim';
import { buildMvccWorld, mvccParams, type MvccCluster } from '../mvcc/cluster';
import type { Program } from '../mvcc/programs';
import { cmp, stmt } from '../mvcc/statements';
import {
  consumer,
  newStats,
  type ConsumerStats,
  type Ending,
  type FaultPlan,
  type Strategy,
} from './consumers';
import { Fleet } from './fleet';
import { MessageLog } from './log';
import { EFFECTS, PROCESSED, PROCESSED_LOG, effectRows } from './tables';

export interface DeliveryOptions {
  readonly seed: number;
  readonly events: number;
  readonly strategy: Strategy;
  /** Chance per delivery that the consumer dies between its two steps. */
  readonly crash: number;
  /** Chance per delivery that the consumer stalls past the group's patience (a rebalance). */
  readonly stall: number;
  /** Chance per event that the producer publishes it twice (its first publish's ack was lost). */
  readonly duplicate: number;
  /** Processed-event rows older than this are deleted by a TTL job (undefined: kept forever). */
  readonly ttlMs?: number;
  /** Events published once more at this time (a replay, a late redelivery), with their original ids. */
  readonly lateReplay?: { readonly atMs: number; readonly events: readonly number[] };
  /** Ms between publishes. */
  readonly publishEveryMs?: number;
}

export interface DeliveryOutcome {
  readonly strategy: Strategy;
  readonly events: number;
  /** Events applied more than once, and the extra applications. */
  readonly duplicatedEvents: number;
  readonly extraApplications: number;
  readonly lostEvents: number;
  readonly stats: ConsumerStats;
  readonly published: number;
  readonly traceHash: string;
  readonly virtualMs: number;
}

const STALL_MS = 200;
const RESTART_MS = 20;
const TTL_EVERY_MS = 50;
const LIMIT_MS = 600_000;

/** The fault plan of a seed: a draw per (event, delivery), independent of the strategy. */
export function faultPlan(seed: number, crash: number, stall: number): FaultPlan {
  const root = new Rng(seed).fork('faults');
  return {
    crashBetween: (event, delivery) => root.fork(`crash:${event}:${delivery}`).chance(crash),
    stall: (event, delivery) => root.fork(`stall:${event}:${delivery}`).chance(stall),
  };
}

export function deliveryWorld(seed: number, events: number, sessions = 6): MvccCluster {
  return buildMvccWorld(mvccParams.parse({ sessions, jitterMs: 1 }), seed, 'hash', [
    { schema: EFFECTS, rows: effectRows(events) },
    { schema: PROCESSED, rows: [] },
    { schema: PROCESSED_LOG, rows: [] },
  ]);
}

export function runDelivery(options: DeliveryOptions): DeliveryOutcome {
  const cluster = deliveryWorld(options.seed, options.events);
  const { world } = cluster;
  const log = new MessageLog();
  const stats = newStats();
  const fleet = new Fleet(cluster);
  const faults = faultPlan(options.seed, options.crash, options.stall);
  let markId = 0;
  let consumersRunning = 0;
  const context = {
    log,
    strategy: options.strategy,
    faults,
    stats,
    stallMs: STALL_MS,
    onRebalance: () => start(0),
    now: () => Math.floor(world.now()),
    nextMarkId: () => ++markId,
  };
  const start = (delayMs: number) => {
    consumersRunning++;
    const onEnd = (ending: Ending) => {
      consumersRunning--;
      if (ending === 'crashed') start(RESTART_MS);
    };
    fleet.spawn('consumer', consumer(context, onEnd), delayMs);
  };
  // The producer: events in order, some published twice in a row (a retry after a lost ack).
  const producerRng = new Rng(options.seed).fork('producer');
  const every = options.publishEveryMs ?? 2;
  for (let event = 1; event <= options.events; event++) {
    const twice = producerRng.chance(options.duplicate);
    world.at(event * every, 'publish', () => {
      log.publish(event, 10);
      if (twice) log.publish(event, 10);
    });
  }
  const lastPublish = Math.max(options.events * every, options.lateReplay?.atMs ?? 0);
  if (options.lateReplay) {
    const replay = options.lateReplay;
    world.at(replay.atMs, 'late replay', () => {
      for (const event of replay.events) log.publish(event, 10);
    });
  }
  world.at(lastPublish + 1, 'log closed', () => {
    log.closed = true;
  });
  if (options.ttlMs !== undefined)
    fleet.spawn(
      'ttl job',
      ttlJob(
        options.ttlMs,
        () => consumersRunning === 0,
        () => world.now(),
      ),
    );
  start(0);
  fleet.runToEnd(LIMIT_MS);
  const rows = cluster.server().engine.committedRows(EFFECTS.name);
  let duplicatedEvents = 0;
  let extraApplications = 0;
  let lostEvents = 0;
  for (const row of rows) {
    const n = Number(row.n);
    if (n === 0) lostEvents++;
    if (n > 1) {
      duplicatedEvents++;
      extraApplications += n - 1;
    }
  }
  return {
    strategy: options.strategy,
    events: options.events,
    duplicatedEvents,
    extraApplications,
    lostEvents,
    stats,
    published: log.end,
    traceHash: world.traceHash(),
    virtualMs: world.now(),
  };
}

/** Deletes processed-event rows older than the TTL, every TTL_EVERY_MS, until the consumers are done. */
function* ttlJob(ttlMs: number, done: () => boolean, now: () => number): Program {
  while (!done()) {
    const cutoff = Math.floor(now() - ttlMs);
    yield stmt.delete(PROCESSED.name, cmp('at', '<', cutoff));
    yield stmt.delete(PROCESSED_LOG.name, cmp('at', '<', cutoff));
    yield { kind: 'pause', ms: TTL_EVERY_MS };
  }
}

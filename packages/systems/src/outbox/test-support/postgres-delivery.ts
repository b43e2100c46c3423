/**
 * The delivery experiment of `delivery.ts` against PostgreSQL: the same consumer programs, the same log
 * and the same fault plan (the same crashes and stalls at the same records), each program on a
 * connection of its own; what the effects table holds afterwards is the verdict.
 */
import { wallClock, type PostgresClient } from '@dslab/runtime/testing';
import { createTableSql } from '../../mvcc/statements';
import { consumer, newStats, type Ending, type Strategy } from '../consumers';
import { faultPlan, type DeliveryOptions } from '../delivery';
import { MessageLog } from '../log';
import { EFFECTS, PROCESSED, PROCESSED_LOG } from '../tables';
import { PostgresFleet } from './postgres';

export interface PostgresDeliveryOutcome {
  readonly strategy: Strategy;
  readonly duplicatedEvents: number;
  readonly extraApplications: number;
  readonly lostEvents: number;
  readonly crashes: number;
  readonly stalls: number;
}

export async function runDeliveryOnPostgres(
  connect: () => Promise<PostgresClient>,
  options: Omit<DeliveryOptions, 'ttlMs' | 'lateReplay' | 'publishEveryMs'>,
): Promise<PostgresDeliveryOutcome> {
  const admin = await connect();
  await admin.query('drop table if exists effects, processed, processed_log');
  for (const schema of [EFFECTS, PROCESSED, PROCESSED_LOG]) await admin.query(createTableSql(schema));
  await admin.query(`insert into effects select g, 0, 0 from generate_series(1, ${options.events}) g`);
  const log = new MessageLog();
  const stats = newStats();
  const fleet = new PostgresFleet(connect);
  const faults = faultPlan(options.seed, options.crash, options.stall);
  let markId = 0;
  const elapsedMs = wallClock(); // real server, real time
  const context = {
    log,
    strategy: options.strategy,
    faults,
    stats,
    stallMs: 200,
    onRebalance: () => start(0),
    now: elapsedMs,
    nextMarkId: () => ++markId,
  };
  const start = (delayMs: number) => {
    const onEnd = (ending: Ending) => {
      if (ending === 'crashed') start(20);
    };
    fleet.spawn(consumer(context, onEnd), delayMs);
  };
  // The producer publishes everything up front here; its duplicates are drawn from a plan of their own.
  const dupRng = faultPlan(options.seed + 1_000_003, options.duplicate, 0);
  for (let event = 1; event <= options.events; event++) {
    log.publish(event, 10);
    if (dupRng.crashBetween(event, 1)) log.publish(event, 10);
  }
  log.closed = true;
  start(0);
  await fleet.idle();
  const rows = (await admin.query('select n from effects')).rows;
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
  await admin.end();
  return {
    strategy: options.strategy,
    duplicatedEvents,
    extraApplications,
    lostEvents,
    crashes: stats.crashes,
    stalls: stats.stalls,
  };
}

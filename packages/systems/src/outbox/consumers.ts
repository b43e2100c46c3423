/**
 * Consumers of the message log that apply each event's effect to the database: the three delivery
 * semantics, and the study material's idempotent consumers as written. Each is a client program (see
 * `mvcc/programs.ts`): the same generator runs on the engine in the simulator and on PostgreSQL.
 *
 * A crash is the process dying at a named point: an open transaction is rolled back (the connection
 * drops) and the incarnation ends; a new one joins the group and reads from the committed offset.
 * A stall is the process freezing (a GC pause, a slow call) for longer than the group waits: the group
 * rebalances, a new member takes the partition from the committed offset, and the stalled one carries
 * on with the record it holds, unaware it has been fenced until its commit is refused.
 */
import { failed, type Pause, type Program } from '../mvcc/programs';
import { add, col, eq, stmt, type Statement, type StatementResult } from '../mvcc/statements';
import type { LogRecord, MessageLog, Member } from './log';
import { EFFECTS, PROCESSED, PROCESSED_LOG } from './tables';

export const strategies = [
  /** ack (commit the offset), then apply: a crash between loses the event */
  'at-most-once',
  /** apply, then ack: a crash between applies it again */
  'at-least-once',
  /** insert the event id (primary key) and apply in one transaction, then ack */
  'effectively-once',
  /** sample: check processed(id) outside, then apply and mark inside a transaction (mark has no unique key) */
  'check-outside',
  /** the same, but the mark hits a primary key: the constraint, not the check, stops the second */
  'check-outside-unique',
  /** sample variant: the offset is committed (auto-commit) before the database transaction commits */
  'offset-before-commit',
  /** sample: `if !seen { apply; mark_seen }`, two statements, no transaction around them */
  'if-not-seen',
] as const;

export type Strategy = (typeof strategies)[number];

/** Where a fault may strike, per record: decided by the run's fault plan, the same for every strategy. */
export interface FaultPlan {
  /** Die between the two steps that matter (effect and ack, or the two halves of the sample). */
  crashBetween(event: number, delivery: number): boolean;
  /** Freeze past the group's patience between the check and the transaction. */
  stall(event: number, delivery: number): boolean;
}

export interface ConsumerStats {
  deliveries: number;
  crashes: number;
  stalls: number;
  /** Duplicates recognised and skipped (by the check or the key). */
  skipped: number;
  /** Transactions that failed on the unique key (23505) and rolled back. */
  uniqueViolations: number;
  commitsRefused: number;
  /** Deliveries per event id. */
  readonly perEvent: Map<number, number>;
}

export function newStats(): ConsumerStats {
  return {
    deliveries: 0,
    crashes: 0,
    stalls: 0,
    skipped: 0,
    uniqueViolations: 0,
    commitsRefused: 0,
    perEvent: new Map(),
  };
}

export interface ConsumerContext {
  readonly log: MessageLog;
  readonly strategy: Strategy;
  readonly faults: FaultPlan;
  readonly stats: ConsumerStats;
  /** How long a stall lasts (longer than the group waits before it rebalances). */
  readonly stallMs: number;
  /** Called when a stall starts: the group rebalances and a new member must take over. */
  readonly onRebalance: () => void;
  /** Integer time for the `at` column (the TTL job deletes by it). */
  readonly now: () => number;
  /** A fresh key for `processed_log` rows (its serial). */
  readonly nextMarkId: () => number;
}

export type Ending = 'drained' | 'crashed' | 'fenced';

/** How long a consumer that found nothing new waits before it polls again. */
export const POLL_MS = 10;

const effect = (event: number, amount: number) =>
  stmt.update(EFFECTS.name, { n: add(col('n'), 1), total: add(col('total'), amount) }, eq('event', event));

/** One incarnation of a consumer: joins the group, then processes until the log ends, it crashes or it learns it was fenced. */
export function* consumer(context: ConsumerContext, onEnd: (ending: Ending) => void): Program {
  const member = context.log.join();
  for (;;) {
    const record = context.log.poll(member);
    if (record === undefined) {
      if (context.log.closed) {
        onEnd('drained');
        return;
      }
      yield { kind: 'pause', ms: POLL_MS };
      continue;
    }
    const delivery = (context.stats.perEvent.get(record.event) ?? 0) + 1;
    context.stats.perEvent.set(record.event, delivery);
    context.stats.deliveries++;
    const ending = yield* processOne(context, member, record, delivery);
    if (ending !== undefined) {
      if (ending === 'crashed') context.stats.crashes++;
      onEnd(ending);
      return;
    }
  }
}

function ack(context: ConsumerContext, member: Member, record: LogRecord): boolean {
  const ok = context.log.commit(member, record.offset + 1);
  if (!ok) context.stats.commitsRefused++;
  return ok;
}

/** Processes one record; returns how the incarnation ended, or undefined to go on. */
function* processOne(
  context: ConsumerContext,
  member: Member,
  record: LogRecord,
  delivery: number,
): Generator<Statement | Pause, Ending | undefined, StatementResult> {
  const { faults, strategy } = context;
  const { event, amount } = record;
  const crash = faults.crashBetween(event, delivery);
  const stall = faults.stall(event, delivery);
  const stallHere = function* () {
    if (!stall) return;
    context.stats.stalls++;
    context.onRebalance();
    yield { kind: 'pause' as const, ms: context.stallMs };
  };
  switch (strategy) {
    case 'at-most-once': {
      if (!ack(context, member, record)) return 'fenced';
      if (crash) return 'crashed';
      yield* stallHere();
      yield effect(event, amount);
      return undefined;
    }
    case 'at-least-once': {
      yield* stallHere();
      yield effect(event, amount);
      if (crash) return 'crashed';
      return ack(context, member, record) ? undefined : 'fenced';
    }
    case 'effectively-once': {
      yield* stallHere();
      yield stmt.begin('read committed');
      // The key first: a second transaction with the same event waits here for the first, then fails.
      const mark: StatementResult = yield stmt.insert(PROCESSED.name, { event, at: context.now() });
      if (failed(mark, '23505')) {
        context.stats.uniqueViolations++;
        context.stats.skipped++;
        yield stmt.rollback();
        return ack(context, member, record) ? undefined : 'fenced';
      }
      yield effect(event, amount);
      yield stmt.commit();
      if (crash) return 'crashed';
      return ack(context, member, record) ? undefined : 'fenced';
    }
    case 'check-outside':
    case 'check-outside-unique':
    case 'offset-before-commit': {
      const marks = strategy === 'check-outside-unique' ? PROCESSED.name : PROCESSED_LOG.name;
      const seen: StatementResult = yield stmt.count(marks, eq('event', event));
      if (Number(seen.rows?.[0]?.count ?? 0) > 0) {
        context.stats.skipped++;
        return ack(context, member, record) ? undefined : 'fenced';
      }
      yield* stallHere();
      if (strategy === 'offset-before-commit' && !ack(context, member, record)) return 'fenced';
      yield stmt.begin('read committed');
      yield effect(event, amount);
      const mark: StatementResult = yield strategy === 'check-outside-unique'
        ? stmt.insert(PROCESSED.name, { event, at: context.now() })
        : stmt.insert(PROCESSED_LOG.name, { id: context.nextMarkId(), event, at: context.now() });
      if (failed(mark)) {
        if (failed(mark, '23505')) context.stats.uniqueViolations++;
        yield stmt.rollback();
        return ack(context, member, record) ? undefined : 'fenced';
      }
      if (strategy === 'offset-before-commit' && crash) {
        // Dies before COMMIT: the connection drops and the transaction with it; the offset is already past.
        yield stmt.rollback();
        return 'crashed';
      }
      yield stmt.commit();
      if (strategy !== 'offset-before-commit') {
        if (crash) return 'crashed';
        return ack(context, member, record) ? undefined : 'fenced';
      }
      return undefined;
    }
    case 'if-not-seen': {
      const seen: StatementResult = yield stmt.count(PROCESSED_LOG.name, eq('event', event));
      if (Number(seen.rows?.[0]?.count ?? 0) > 0) {
        context.stats.skipped++;
        return ack(context, member, record) ? undefined : 'fenced';
      }
      yield* stallHere();
      yield effect(event, amount);
      if (crash) return 'crashed';
      yield stmt.insert(PROCESSED_LOG.name, { id: context.nextMarkId(), event, at: context.now() });
      return ack(context, member, record) ? undefined : 'fenced';
    }
  }
}

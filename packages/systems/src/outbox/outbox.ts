/**
 * Writers that record a business change and the event announcing it, and relays that move events from
 * the outbox table to the broker, as client programs.
 *
 * Outbox ids come from a sequence: `seq` is one row bumped by a single-statement transaction, which, like
 * PostgreSQL's nextval, hands out ids in call order and is never rolled back — so ids are allocated in
 * one order and committed in another whenever transactions overlap.
 */
import { mutantActive } from '../kit';
import type { Program } from '../mvcc/programs';
import { failed } from '../mvcc/programs';
import {
  add,
  cmp,
  col,
  eq,
  isIn,
  stmt,
  type Row,
  type StatementResult,
  type TableSchema,
} from '../mvcc/statements';

export const ORDERS: TableSchema = { name: 'orders', columns: ['id', 'request'], key: 'id' };
export const OUTBOX: TableSchema = {
  name: 'outbox',
  columns: ['id', 'aggregate', 'event', 'published'],
  key: 'id',
};
/** An event store: `id` is the global position, `aggregate` the stream. Same shape as the outbox. */
export const EVENTS: TableSchema = {
  name: 'events',
  columns: ['id', 'aggregate', 'event', 'published'],
  key: 'id',
};
export const SEQ: TableSchema = { name: 'seq', columns: ['id', 'v'], key: 'id' };

export interface Published {
  /** The outbox row (or order) the event announces. */
  readonly id: number;
  readonly aggregate: number;
  readonly event: number;
  readonly at: number;
  readonly by: string;
}

/** The broker the relays and dual writers publish to: every publish in order (duplicates included). */
export class Broker {
  readonly published: Published[] = [];
  /** Called on every publication (a live run checks it against the table). */
  onPublish: ((id: number) => void) | undefined;

  constructor(private readonly now: () => number) {}

  publish(id: number, aggregate: number, event: number, by: string): void {
    this.published.push({ id, aggregate, event, at: this.now(), by });
    this.onPublish?.(id);
  }
}

/** The next id of the sequence (a single-statement transaction: visible at once, never rolled back). */
export function* nextval(): Generator<ReturnType<typeof stmt.update>, number, StatementResult> {
  const r: StatementResult = yield stmt.update(SEQ.name, { v: add(col('v'), 1) }, eq('id', 1), true);
  return Number(r.rows?.[0]?.v);
}

export interface WriterContext {
  readonly broker: Broker;
  /** The table events are appended to: the outbox, or an event store's events table. */
  readonly table: string;
  readonly pause: (ms: number) => { kind: 'pause'; ms: number };
  /** How long the writer's transaction stays open after it took its id (work, a slow query). */
  readonly holdMs: () => number;
  /** Time between one order and the next (none when absent). */
  readonly thinkMs?: () => number;
  /** The order fails validation and its transaction rolls back (never, when absent). */
  readonly abort?: () => boolean;
  /** A deliberately broken variant (see `outboxMutants`). */
  readonly mutant?: OutboxMutant | undefined;
  readonly nextEventId: () => number;
}

/** Broken variants the fuzzer must catch. */
export const outboxMutants = ['writer-publishes-before-commit', 'relay-marks-before-publishing'] as const;
export type OutboxMutant = (typeof outboxMutants)[number];

/** Writes `count` events for `aggregate` through the outbox: id from the sequence, insert, hold, commit. */
export function* outboxWriter(context: WriterContext, aggregate: number, count: number): Program {
  for (let i = 0; i < count; i++) {
    const id: number = yield* nextval();
    yield stmt.begin('read committed');
    yield stmt.insert(ORDERS.name, { id, request: id });
    const event = context.nextEventId();
    yield stmt.insert(context.table, { id, aggregate, event, published: 0 });
    // The mutant announces the order itself, before its transaction has committed: a dual write.
    if (mutantActive(context.mutant, 'writer-publishes-before-commit'))
      context.broker.publish(id, aggregate, event, 'writer');
    yield context.pause(context.holdMs());
    yield context.abort?.() ? stmt.rollback() : stmt.commit();
    if (context.thinkMs) yield context.pause(context.thinkMs());
  }
}

export type DualWrite = 'commit-then-publish' | 'publish-then-commit';

/**
 * The dual write: the order is committed and the event published as two separate steps. `crash` kills the
 * writer between them; `commitFails` makes the commit fail (a constraint, a lost connection).
 */
export function* dualWriter(
  context: WriterContext,
  how: DualWrite,
  id: number,
  crash: boolean,
  commitFails: boolean,
): Program {
  const event = context.nextEventId();
  if (how === 'publish-then-commit') {
    context.broker.publish(id, id, event, 'writer');
    if (crash) return;
  }
  yield stmt.begin('read committed');
  // A failing commit: the insert collides with order 0, which exists (a constraint the request broke).
  yield stmt.insert(ORDERS.name, { id: commitFails ? 0 : id, request: id });
  const committed: StatementResult = yield stmt.commit();
  if (how === 'commit-then-publish' && !crash && !failed(committed) && committed.tag === 'COMMIT')
    context.broker.publish(id, id, event, 'writer');
}

export interface RelayContext {
  readonly broker: Broker;
  readonly table: string;
  /** Time to publish one event (the broker's round trip). */
  readonly publishMs: number;
  readonly name: string;
  readonly batch: number;
  readonly pollMs: number;
  /** True once every writer is done (the relay may stop when it finds nothing more). */
  readonly writersDone: () => boolean;
  /** Dies after publishing a batch and before marking it (then restarts). */
  readonly crashAfterPublish: () => boolean;
  readonly onCrash: () => void;
  /** The tailing relay's position after each read (for the lab's picture). */
  readonly onPosition?: (last: number) => void;
  readonly mutant?: OutboxMutant | undefined;
}

/**
 * The polling relay: lock a batch of unpublished rows with FOR UPDATE SKIP LOCKED (so several relays take
 * different rows), publish them, mark them published, commit. A crash between publish and commit leaves
 * them unpublished: the next poll publishes them again (at least once).
 */
export function* pollingRelay(context: RelayContext): Program {
  for (;;) {
    const done = context.writersDone();
    yield stmt.begin('read committed');
    const r: StatementResult = yield stmt.select(context.table, eq('published', 0), {
      orderBy: 'id',
      limit: context.batch,
      lock: 'update',
      waitPolicy: 'skip locked',
    });
    const rows: readonly Row[] = r.rows ?? [];
    if (rows.length === 0) {
      yield stmt.commit();
      if (done) return;
      yield { kind: 'pause', ms: context.pollMs };
      continue;
    }
    if (mutantActive(context.mutant, 'relay-marks-before-publishing')) {
      // The mutant marks and commits first, then publishes: a crash in between loses the batch.
      yield stmt.update(
        context.table,
        { published: 1 },
        isIn(
          'id',
          rows.map((row) => Number(row.id)),
        ),
      );
      yield stmt.commit();
      if (context.crashAfterPublish()) {
        context.onCrash();
        return;
      }
      for (const row of rows) {
        context.broker.publish(Number(row.id), Number(row.aggregate), Number(row.event), context.name);
        yield { kind: 'pause', ms: context.publishMs };
      }
      continue;
    }
    for (const row of rows) {
      context.broker.publish(Number(row.id), Number(row.aggregate), Number(row.event), context.name);
      yield { kind: 'pause', ms: context.publishMs };
    }
    if (context.crashAfterPublish()) {
      yield stmt.rollback();
      context.onCrash();
      return;
    }
    yield stmt.update(
      context.table,
      { published: 1 },
      isIn(
        'id',
        rows.map((row) => Number(row.id)),
      ),
    );
    yield stmt.commit();
  }
}

/**
 * The tailing relay: read rows with an id above the last one it published, remember the highest. A row
 * whose id was allocated before that highest one but committed after it is never read.
 */
export function* tailingRelay(context: RelayContext): Program {
  let last = 0;
  for (;;) {
    const done = context.writersDone();
    const r: StatementResult = yield stmt.select(context.table, cmp('id', '>', last), { orderBy: 'id' });
    const rows: readonly Row[] = r.rows ?? [];
    for (const row of rows) {
      context.broker.publish(Number(row.id), Number(row.aggregate), Number(row.event), context.name);
      last = Math.max(last, Number(row.id));
      yield { kind: 'pause', ms: context.publishMs };
    }
    context.onPosition?.(last);
    if (rows.length === 0 && done) return;
    yield { kind: 'pause', ms: context.pollMs };
  }
}

/**
 * The producer of the sample: `INSERT INTO orders … ON CONFLICT (id) DO NOTHING`, then an outbox insert
 * with a fresh event id — run for every request, duplicates included. The fix inserts the outbox row only
 * when the order row was inserted, with the event id derived from the request.
 *
 * The engine has no ON CONFLICT: for a duplicate that arrives after the first request committed (a
 * client's retry), a lookup followed by the insert does what DO NOTHING does. PostgreSQL runs the
 * statement as written (`postgres-samples.test.ts`).
 */
export function* orderRequest(context: WriterContext, request: number, fixed: boolean): Program {
  const id: number = yield* nextval();
  yield stmt.begin('read committed');
  const found: StatementResult = yield stmt.count(ORDERS.name, eq('id', request));
  const inserted = Number(found.rows?.[0]?.count ?? 0) === 0;
  if (inserted) yield stmt.insert(ORDERS.name, { id: request, request });
  if (inserted || !fixed)
    yield stmt.insert(context.table, {
      id,
      aggregate: request,
      event: fixed ? request : context.nextEventId(),
      published: 0,
    });
  yield stmt.commit();
}

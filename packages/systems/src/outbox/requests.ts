/**
 * An API that charges once per idempotency key, written three ways, as client programs:
 *  - `same-transaction`: insert the key (status processing), charge, mark it done with the result — all in
 *    one transaction. A concurrent duplicate's insert waits on the uncommitted key, then fails with 23505
 *    once the first commits, and reads the stored result.
 *  - `separate-transactions`: the key is inserted and committed first (status processing), then the charge
 *    runs in its own transaction. A duplicate finds 'processing' and is answered 409.
 *  - `redis-then-database`: the sample that keeps keys in Redis: look the key up in Redis, charge in the
 *    database, then SET the key in Redis (synced to the database later). A crash between the charge and
 *    the SET leaves no key, and the client's retry charges again.
 */
import type { Program } from '../mvcc/programs';
import { failed } from '../mvcc/programs';
import { eq, stmt, type StatementResult, type TableSchema } from '../mvcc/statements';

export const IDEMPOTENCY: TableSchema = {
  name: 'idempotency',
  columns: ['key', 'status', 'result'],
  key: 'key',
};
export const CHARGES: TableSchema = { name: 'charges', columns: ['id', 'key', 'amount'], key: 'id' };

export const PROCESSING = 1;
export const DONE = 2;

export type KeyDesign = 'same-transaction' | 'separate-transactions' | 'redis-then-database';

/** What each request saw and answered. */
export interface Answer {
  readonly key: number;
  readonly request: number;
  /** 200 with the charge's result, 409 (in progress), or 'crashed' (no answer: the client retries). */
  readonly status: 200 | 409 | 'crashed';
  readonly result: number;
  /** The key's status this request read, when it found the key taken. */
  readonly sawStatus?: number;
  /** How long its key insert waited (ms): the wait on the first request's uncommitted key. */
  readonly insertWaitMs: number;
  /** When its key insert returned (after the wait). */
  readonly insertDoneAt?: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** A Redis of the sample: GET and SET with a TTL, no transactions with the database. */
export class KeyCache {
  private readonly entries = new Map<number, { value: number; expiresAt: number }>();

  constructor(private readonly now: () => number) {}

  get(key: number): number | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.expiresAt <= this.now()) return undefined;
    return entry.value;
  }

  set(key: number, value: number, ttlMs: number): void {
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
  }
}

export interface RequestContext {
  readonly design: KeyDesign;
  readonly now: () => number;
  /** Time the charge takes inside the handler (the payment provider's call). */
  readonly workMs: number;
  readonly cache: KeyCache;
  readonly nextChargeId: () => number;
  readonly answers: Answer[];
}

/** One request with idempotency key `key`; `crash` kills the handler at the sample's weak point. */
export function* request(context: RequestContext, key: number, requestNo: number, crash: boolean): Program {
  const startedAt = context.now();
  const answer = (status: Answer['status'], result: number, extra: Partial<Answer> = {}) =>
    context.answers.push({
      key,
      request: requestNo,
      status,
      result,
      insertWaitMs: 0,
      startedAt,
      endedAt: context.now(),
      ...extra,
    });
  const amount = 100 + key;
  if (context.design === 'redis-then-database') {
    const cached = context.cache.get(key);
    if (cached !== undefined) {
      answer(200, cached);
      return;
    }
    const id = context.nextChargeId();
    yield { kind: 'pause', ms: context.workMs };
    yield stmt.insert(CHARGES.name, { id, key, amount });
    if (crash) {
      answer('crashed', 0);
      return;
    }
    context.cache.set(key, id, 60_000);
    answer(200, id);
    return;
  }
  if (context.design === 'separate-transactions') {
    const claimed: StatementResult = yield stmt.insert(IDEMPOTENCY.name, {
      key,
      status: PROCESSING,
      result: 0,
    });
    if (failed(claimed, '23505')) {
      const r: StatementResult = yield stmt.select(IDEMPOTENCY.name, eq('key', key));
      const row = r.rows?.[0];
      const status = Number(row?.status);
      if (status === DONE) answer(200, Number(row?.result), { sawStatus: status });
      else answer(409, 0, { sawStatus: status });
      return;
    }
    const id = context.nextChargeId();
    yield stmt.begin('read committed');
    yield { kind: 'pause', ms: context.workMs };
    yield stmt.insert(CHARGES.name, { id, key, amount });
    yield stmt.update(IDEMPOTENCY.name, { status: DONE, result: id }, eq('key', key));
    yield stmt.commit();
    answer(200, id);
    return;
  }
  // same-transaction
  yield stmt.begin('read committed');
  const before = context.now();
  const claimed: StatementResult = yield stmt.insert(IDEMPOTENCY.name, {
    key,
    status: PROCESSING,
    result: 0,
  });
  const insertDoneAt = context.now();
  const insertWaitMs = insertDoneAt - before;
  if (failed(claimed, '23505')) {
    yield stmt.rollback();
    const r: StatementResult = yield stmt.select(IDEMPOTENCY.name, eq('key', key));
    const row = r.rows?.[0];
    const status = Number(row?.status);
    if (status === DONE) answer(200, Number(row?.result), { sawStatus: status, insertWaitMs, insertDoneAt });
    else answer(409, 0, { sawStatus: status, insertWaitMs, insertDoneAt });
    return;
  }
  const id = context.nextChargeId();
  yield { kind: 'pause', ms: context.workMs };
  yield stmt.insert(CHARGES.name, { id, key, amount });
  yield stmt.update(IDEMPOTENCY.name, { status: DONE, result: id }, eq('key', key));
  if (crash) {
    yield stmt.rollback();
    answer('crashed', 0, { insertWaitMs });
    return;
  }
  yield stmt.commit();
  answer(200, id, { insertWaitMs });
}

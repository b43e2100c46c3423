/** Idempotency keys for an API that charges: the same-transaction key, the 409 design, and Redis in front. */
import type { Scenario } from '../../contract';
import { runRequests } from '../request-runs';
import { DONE, PROCESSING } from '../requests';
import { hashOf, rows } from './common';

const WORK_MS = 50;

function concurrentPairs(seed: number, design: 'same-transaction' | 'separate-transactions', keys: number) {
  return runRequests({ seed, design, keys, concurrent: 2, staggerMs: 5, workMs: WORK_MS });
}

export const uniqueKeyWaits: Scenario = {
  id: 'unique-key-waits',
  title: 'A duplicate request waits on the uncommitted key, then reads the first result',
  claim:
    'A UNIQUE idempotency key inserted in the same transaction as the effect makes the second concurrent request ' +
    'wait, then see the first result.',
  expected: 'holds',
  rows,
  run: ({ seed, quick }) => {
    const keys = quick ? 8 : 40;
    const r = concurrentPairs(seed, 'same-transaction', keys);
    const duplicates = r.answers.filter((a) => a.sawStatus !== undefined);
    const firsts = new Map(r.answers.filter((a) => a.sawStatus === undefined).map((a) => [a.key, a]));
    let sameResult = 0;
    let minWait = Infinity;
    let maxWait = 0;
    // Waited for the first: its key insert returned only once the first transaction had committed.
    let waitedForFirst = 0;
    for (const d of duplicates) {
      const first = firsts.get(d.key);
      if (first?.result === d.result && d.status === 200) sameResult++;
      if (
        first !== undefined &&
        d.insertDoneAt !== undefined &&
        d.insertDoneAt >= first.endedAt - 2 &&
        d.insertWaitMs > 0
      )
        waitedForFirst++;
      minWait = Math.min(minWait, d.insertWaitMs);
      maxWait = Math.max(maxWait, d.insertWaitMs);
    }
    const charged = [...r.chargesPerKey.values()].filter((n) => n === 1).length;
    // The first answers right after its COMMIT returns; the duplicate's insert returns when that COMMIT
    // releases it — the same moment give or take a network hop (1–2 ms each way).
    const holds =
      duplicates.length === keys &&
      sameResult === keys &&
      waitedForFirst === keys &&
      charged === keys &&
      r.doubleCharged === 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `${keys} pairs of concurrent requests with the same key: every second request's INSERT of the key waited ` +
        `${minWait.toFixed(0)}–${maxWait.toFixed(0)} ms — ${waitedForFirst} of ${duplicates.length} until the first transaction (which works ${WORK_MS} ms) committed — then failed on the key and read ` +
        `the stored result: ${sameResult} of ${duplicates.length} answered with the first request's charge; ${r.doubleCharged} keys charged twice.`,
      measurements: {
        pairs: keys,
        'seconds that waited then read the result': sameResult,
        'seconds released by the first commit': waitedForFirst,
        'min wait ms': Math.round(minWait),
        'max wait ms': Math.round(maxWait),
        'double charges': r.doubleCharged,
      },
      tables: [
        {
          columns: ['key', 'request', 'answer', 'charge id', 'key status read', 'insert waited ms'],
          rows: r.answers
            .slice(0, 12)
            .map((a) => [
              a.key,
              a.request,
              a.status,
              a.result,
              a.sawStatus ?? '—',
              Math.round(a.insertWaitMs),
            ]),
        },
      ],
      traceHash: r.traceHash,
    };
  },
};

export const processing409: Scenario = {
  id: 'processing-409',
  title: '“The second request sees ‘processing’ and gets 409”',
  claim: '“The second concurrent request sees ‘processing’ and gets 409.”',
  expected: 'fails',
  corrected:
    'With the key inserted in the same transaction as the effect (INSERT … ON CONFLICT or a plain unique insert), ' +
    'the second request blocks on the uncommitted key and then reads the completed row: ‘processing’ is never ' +
    'visible. A 409 happens only when the key is committed in a transaction of its own before the work.',
  rows,
  run: ({ seed, quick }) => {
    const keys = quick ? 8 : 40;
    const same = concurrentPairs(seed, 'same-transaction', keys);
    const separate = concurrentPairs(seed, 'separate-transactions', keys);
    const count = (answers: typeof same.answers, f: (a: (typeof same.answers)[number]) => boolean) =>
      answers.filter(f).length;
    const sameProcessing = count(same.answers, (a) => a.sawStatus === PROCESSING);
    const same409 = count(same.answers, (a) => a.status === 409);
    const sameDone = count(same.answers, (a) => a.sawStatus === DONE);
    const separate409 = count(separate.answers, (a) => a.status === 409);
    const fails = sameProcessing === 0 && same409 === 0 && sameDone === keys && separate409 > 0;
    return {
      observed: fails ? 'fails' : 'holds',
      summary:
        `Key inserted in the effect's transaction: ${sameProcessing} of ${keys} duplicates saw 'processing' and ${same409} got 409; ` +
        `${sameDone} waited and read 'done'. Key committed in its own transaction first: ${separate409} of ${keys} got 409.`,
      measurements: {
        'same transaction: saw processing': sameProcessing,
        'same transaction: 409': same409,
        'same transaction: read done': sameDone,
        'separate transactions: 409': separate409,
      },
      tables: [
        {
          columns: [
            'design',
            'duplicates',
            "saw 'processing'",
            '409',
            "waited, read 'done'",
            'double charges',
          ],
          rows: [
            ['key in the effect’s transaction', keys, sameProcessing, same409, sameDone, same.doubleCharged],
            [
              'key committed first, work after',
              keys,
              count(separate.answers, (a) => a.sawStatus === PROCESSING),
              separate409,
              count(separate.answers, (a) => a.sawStatus === DONE),
              separate.doubleCharged,
            ],
          ],
        },
      ],
      counterexample: { processingSeen: sameProcessing, conflicts409: same409 },
      traceHash: hashOf([same.traceHash, separate.traceHash]),
    };
  },
};

export const redisThenDatabase: Scenario = {
  id: 'redis-keys-then-database',
  title: '“Keep idempotency keys in Redis with a TTL and sync to the database later”',
  claim: '“Keep idempotency keys in Redis with a TTL and sync to the database later.”',
  expected: 'fails',
  corrected:
    'Redis and the database do not commit together: a crash after the charge and before the SET leaves no key, ' +
    'and the client’s retry charges again (as do two concurrent requests that both miss Redis). Store the key in ' +
    'the database, in the charge’s transaction.',
  rows,
  run: ({ seed, quick }) => {
    const keys = quick ? 40 : 200;
    const crash = 0.15;
    const redis = runRequests({
      seed,
      design: 'redis-then-database',
      keys,
      concurrent: 1,
      staggerMs: 0,
      workMs: 20,
      crash,
    });
    const db = runRequests({
      seed,
      design: 'same-transaction',
      keys,
      concurrent: 1,
      staggerMs: 0,
      workMs: 20,
      crash,
    });
    const crashes = redis.answers.filter((a) => a.status === 'crashed').length;
    const concurrentRedis = runRequests({
      seed,
      design: 'redis-then-database',
      keys: quick ? 8 : 40,
      concurrent: 2,
      staggerMs: 5,
      workMs: 50,
    });
    const fails = redis.doubleCharged > 0 && db.doubleCharged === 0;
    return {
      observed: fails ? 'fails' : 'holds',
      summary:
        `${keys} requests, ${crashes} handlers crashed between the charge and the Redis SET and were retried: ` +
        `${redis.doubleCharged} customers charged twice with keys in Redis, ${db.doubleCharged} with the key in the charge's ` +
        `transaction (the crash rolls the charge back with it). Concurrent duplicates both missed Redis: ${concurrentRedis.doubleCharged} double charges.`,
      measurements: {
        crashes,
        'double charges, Redis then database': redis.doubleCharged,
        'double charges, key in the transaction': db.doubleCharged,
        'double charges, concurrent duplicates with Redis': concurrentRedis.doubleCharged,
      },
      tables: [
        {
          columns: ['key store', 'requests', 'crashed and retried', 'double charges'],
          rows: [
            ['Redis, then the database', keys, crashes, redis.doubleCharged],
            [
              'database, same transaction',
              keys,
              db.answers.filter((a) => a.status === 'crashed').length,
              db.doubleCharged,
            ],
          ],
        },
      ],
      counterexample: { doubleCharged: redis.doubleCharged },
      traceHash: hashOf([redis.traceHash, db.traceHash, concurrentRedis.traceHash]),
    };
  },
};

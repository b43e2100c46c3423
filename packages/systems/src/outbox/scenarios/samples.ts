/**
 * The study material's idempotent consumers, run as written on the engine (the same programs run on
 * PostgreSQL in `postgres-samples.test.ts`), each beside the fix.
 */
import type { Scenario } from '../../contract';
import { runDelivery, type DeliveryOptions, type DeliveryOutcome } from '../delivery';
import { deliveryColumns, deliveryRow, hashOf, rows } from './common';

type Run = [string, DeliveryOutcome];

function run(label: string, options: DeliveryOptions): Run {
  return [label, runDelivery(options)];
}

export const checkOutside: Scenario = {
  id: 'check-processed-outside-transaction',
  title: '“Check processed(id), then process and mark inside a transaction”',
  claim: '“Check processed(id), then process and mark inside a transaction” is exactly-once.',
  expected: 'fails',
  corrected:
    'The check runs outside the transaction, so two consumers of one redelivered event both pass it; an offset ' +
    'committed before the database commit loses the event on a crash; a TTL on the marks lets a later ' +
    'redelivery through. Insert the event id as a unique key in the effect’s transaction, commit the offset ' +
    'after the commit, and keep the keys for as long as redelivery is possible.',
  rows,
  run: ({ seed, quick }) => {
    const events = quick ? 60 : 300;
    const late = { atMs: events * 2 + 2_000, events: [1, 2, 3, 4, 5] };
    const runs: Run[] = [
      run('sample, rebalances (two consumers pass the check)', {
        seed,
        events,
        strategy: 'check-outside',
        crash: 0,
        stall: 0.1,
        duplicate: 0,
      }),
      run('sample, offset auto-committed first, crashes before COMMIT', {
        seed,
        events,
        strategy: 'offset-before-commit',
        crash: 0.1,
        stall: 0,
        duplicate: 0,
      }),
      run('sample, marks deleted after a 1 s TTL, 5 events redelivered 2 s later', {
        seed,
        events,
        strategy: 'check-outside',
        crash: 0,
        stall: 0,
        duplicate: 0,
        ttlMs: 1_000,
        lateReplay: late,
      }),
      run('fix: key first in the transaction, offset after commit (rebalances + crashes)', {
        seed,
        events,
        strategy: 'effectively-once',
        crash: 0.1,
        stall: 0.1,
        duplicate: 0,
      }),
      run('fix, keys kept: the same late redelivery', {
        seed,
        events,
        strategy: 'effectively-once',
        crash: 0,
        stall: 0,
        duplicate: 0,
        lateReplay: late,
      }),
    ];
    const [concurrent, early, ttl, fix, kept] = runs.map(([, o]) => o) as DeliveryOutcome[] as [
      DeliveryOutcome,
      DeliveryOutcome,
      DeliveryOutcome,
      DeliveryOutcome,
      DeliveryOutcome,
    ];
    const fails =
      concurrent.duplicatedEvents > 0 &&
      early.lostEvents > 0 &&
      ttl.duplicatedEvents > 0 &&
      fix.duplicatedEvents + fix.lostEvents === 0 &&
      kept.duplicatedEvents === 0;
    return {
      observed: fails ? 'fails' : 'holds',
      summary:
        `As written: ${concurrent.duplicatedEvents} events applied twice after ${concurrent.stats.stalls} rebalances (both consumers ` +
        `passed the check); ${early.lostEvents} events lost when the consumer died between the offset commit and the database ` +
        `COMMIT; ${ttl.duplicatedEvents} of ${late.events.length} late redeliveries applied again after the marks expired. ` +
        `The fix: ${fix.duplicatedEvents} duplicates, ${fix.lostEvents} lost under the same rebalances and crashes, and ` +
        `${kept.duplicatedEvents} duplicates from the late redelivery with the keys kept.`,
      measurements: {
        'duplicates after rebalances': concurrent.duplicatedEvents,
        'lost with offset first': early.lostEvents,
        'duplicates after TTL': ttl.duplicatedEvents,
        'fix duplicates': fix.duplicatedEvents,
        'fix lost': fix.lostEvents,
        'fix late duplicates': kept.duplicatedEvents,
      },
      tables: [
        {
          title: 'effects table after each run',
          columns: deliveryColumns,
          rows: runs.map(([l, o]) => deliveryRow(l, o)),
        },
      ],
      counterexample: {
        concurrent: concurrent.duplicatedEvents,
        lost: early.lostEvents,
        afterTtl: ttl.duplicatedEvents,
      },
      traceHash: hashOf(runs.map(([, o]) => o.traceHash)),
    };
  },
};

export const ifNotSeen: Scenario = {
  id: 'if-not-seen-apply-mark',
  title: '`if !seen { apply; mark_seen }`',
  claim: '“`if !seen { apply; mark_seen }` is an idempotent consumer.”',
  expected: 'fails',
  corrected:
    'The three steps are not atomic: a crash between apply and mark_seen re-applies on redelivery, and two ' +
    'consumers of one event both find it unseen. Insert the key first, in the same transaction as the effect.',
  rows,
  run: ({ seed, quick }) => {
    const events = quick ? 60 : 300;
    const runs: Run[] = [
      run('sample, crashes between apply and mark_seen', {
        seed,
        events,
        strategy: 'if-not-seen',
        crash: 0.1,
        stall: 0,
        duplicate: 0,
      }),
      run('sample, rebalances (concurrent consumers)', {
        seed,
        events,
        strategy: 'if-not-seen',
        crash: 0,
        stall: 0.1,
        duplicate: 0,
      }),
      run('fix, the same crashes and rebalances', {
        seed,
        events,
        strategy: 'effectively-once',
        crash: 0.1,
        stall: 0.1,
        duplicate: 0,
      }),
    ];
    const [crashes, concurrent, fix] = runs.map(([, o]) => o) as [
      DeliveryOutcome,
      DeliveryOutcome,
      DeliveryOutcome,
    ];
    const fails =
      crashes.duplicatedEvents > 0 &&
      concurrent.duplicatedEvents > 0 &&
      fix.duplicatedEvents + fix.lostEvents === 0;
    return {
      observed: fails ? 'fails' : 'holds',
      summary:
        `As written: ${crashes.duplicatedEvents} events applied twice after ${crashes.stats.crashes} crashes between apply and ` +
        `mark_seen, ${concurrent.duplicatedEvents} after ${concurrent.stats.stalls} rebalances. Key first in the effect's ` +
        `transaction: ${fix.duplicatedEvents} duplicates, ${fix.lostEvents} lost under both.`,
      measurements: {
        'duplicates after crashes': crashes.duplicatedEvents,
        'duplicates after rebalances': concurrent.duplicatedEvents,
        'fix duplicates': fix.duplicatedEvents,
        'fix lost': fix.lostEvents,
      },
      tables: [
        {
          title: 'effects table after each run',
          columns: deliveryColumns,
          rows: runs.map(([l, o]) => deliveryRow(l, o)),
        },
      ],
      counterexample: { crashes: crashes.duplicatedEvents, concurrent: concurrent.duplicatedEvents },
      traceHash: hashOf(runs.map(([, o]) => o.traceHash)),
    };
  },
};

export const processedTtl: Scenario = {
  id: 'processed-events-ttl',
  title: 'A processed-events table with a TTL',
  claim: '“A processed-events table with a TTL makes consumers idempotent.”',
  expected: 'partly',
  corrected:
    'Only for redeliveries inside the TTL: one that arrives after its key expired is processed again. The TTL ' +
    'must exceed the longest redelivery window (retention, replays, producer retries).',
  rows,
  run: ({ seed, quick }) => {
    const events = quick ? 40 : 200;
    // The last eight events: redelivered right after they were processed, or well after the consumer caught
    // up (it needs about 12 ms per event, so by 20 ms per event it has).
    const replayed = Array.from({ length: 8 }, (_, i) => events - i);
    const ttlMs = 1_000;
    const runs: Run[] = [
      run(`redelivered 300 ms after the last publish (TTL ${ttlMs} ms)`, {
        seed,
        events,
        strategy: 'effectively-once',
        crash: 0,
        stall: 0,
        duplicate: 0,
        ttlMs,
        lateReplay: { atMs: events * 2 + 300, events: replayed },
      }),
      run(`redelivered 2 s after the consumer caught up (TTL ${ttlMs} ms)`, {
        seed,
        events,
        strategy: 'effectively-once',
        crash: 0,
        stall: 0,
        duplicate: 0,
        ttlMs,
        lateReplay: { atMs: events * 20 + 2_000, events: replayed },
      }),
    ];
    const [inside, after] = runs.map(([, o]) => o) as [DeliveryOutcome, DeliveryOutcome];
    const partly = inside.duplicatedEvents === 0 && after.duplicatedEvents === replayed.length;
    return {
      observed: partly ? 'partly' : inside.duplicatedEvents === 0 ? 'holds' : 'fails',
      summary:
        `With a ${ttlMs} ms TTL on the keys: ${replayed.length} redeliveries inside the TTL were skipped (${inside.duplicatedEvents} ` +
        `applied again); the same ${replayed.length} arriving 2 s after the consumer caught up were all processed again (${after.duplicatedEvents}).`,
      measurements: {
        'duplicates inside TTL': inside.duplicatedEvents,
        'duplicates after TTL': after.duplicatedEvents,
      },
      tables: [
        {
          title: 'effects table after each run',
          columns: deliveryColumns,
          rows: runs.map(([l, o]) => deliveryRow(l, o)),
        },
      ],
      counterexample: { afterTtl: after.duplicatedEvents },
      traceHash: hashOf(runs.map(([, o]) => o.traceHash)),
    };
  },
};

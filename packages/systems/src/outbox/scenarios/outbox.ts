/** The transactional outbox: the dual write it replaces, its relays, the producer sample, the event store. */
import type { Scenario } from '../../contract';
import { runDualWrite, runOrderRequests, runRelays, type Delivery, type RelayRun } from '../outbox-runs';
import { hashOf, rows } from './common';

const deliveryColumns = [
  'how',
  'committed',
  'published',
  'lost',
  'phantoms',
  'duplicates',
  'reordered in an aggregate',
];
const deliveryRow = (label: string, d: Delivery) => [
  label,
  d.committed,
  d.published,
  d.lost,
  d.phantoms,
  d.duplicates,
  d.reordered,
];

export const dualWrite: Scenario = {
  id: 'dual-write',
  title: 'Dual write: commit then publish loses events; publish then commit invents them',
  claim:
    'Dual write (commit, then publish) loses events on a crash in between, or publishes phantoms if publish comes ' +
    'first and the commit fails.',
  expected: 'holds',
  rows,
  run: ({ seed, quick }) => {
    const orders = quick ? 60 : 300;
    const faults = { crash: 0.1, commitFails: 0.1 };
    const commitFirst = runDualWrite({ seed, how: 'commit-then-publish', orders, ...faults });
    const publishFirst = runDualWrite({ seed, how: 'publish-then-commit', orders, ...faults });
    const outbox = runRelays({
      seed,
      relay: 'polling',
      relays: 1,
      writers: 4,
      eventsPerWriter: orders / 4,
      holdMs: 10,
      crash: faults.crash,
    });
    const holds =
      commitFirst.lost > 0 && publishFirst.phantoms > 0 && outbox.lost === 0 && outbox.phantoms === 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `${orders} orders, a crash between the two steps on 10 % and a failing commit on 10 %: commit-then-publish lost ` +
        `${commitFirst.lost} events; publish-then-commit published ${publishFirst.phantoms} events for orders that never ` +
        `committed. Through the outbox (event row in the order's transaction, a polling relay that also crashes): ` +
        `${outbox.lost} lost, ${outbox.phantoms} phantoms, ${outbox.duplicates} published twice (at least once).`,
      measurements: {
        'commit then publish: lost': commitFirst.lost,
        'publish then commit: phantoms': publishFirst.phantoms,
        'outbox: lost': outbox.lost,
        'outbox: phantoms': outbox.phantoms,
        'outbox: duplicates': outbox.duplicates,
      },
      tables: [
        {
          columns: deliveryColumns,
          rows: [
            deliveryRow('commit, then publish', commitFirst),
            deliveryRow('publish, then commit', publishFirst),
            deliveryRow('outbox + polling relay', outbox),
          ],
        },
      ],
      traceHash: hashOf([commitFirst.traceHash, publishFirst.traceHash, outbox.traceHash]),
    };
  },
};

export const relayExactlyOnce: Scenario = {
  id: 'outbox-relay-exactly-once',
  title: '“The outbox relay publishes exactly once, in order”',
  claim: '“The outbox relay publishes exactly once, in order.”',
  expected: 'fails',
  corrected:
    'A relay is at least once: it can die after publishing and before marking. Tailing by a serial id skips rows ' +
    'that commit out of id order, for good; several relays reorder an aggregate’s events. Poll for unpublished ' +
    'rows (or read the commit-ordered log through logical decoding), run one relay per ordering key, and make ' +
    'consumers idempotent.',
  rows,
  run: ({ seed, quick }) => {
    const writers = 6;
    const eventsPerWriter = quick ? 10 : 40;
    const base = { seed, writers, eventsPerWriter, holdMs: 30 };
    const runs: [string, RelayRun][] = [
      [
        'polling, SKIP LOCKED, relay crashes after publishing',
        runRelays({ ...base, relay: 'polling', relays: 1, crash: 0.2 }),
      ],
      [
        'tailing by id > last (serial ids, overlapping writers)',
        runRelays({ ...base, relay: 'tailing', relays: 1, crash: 0 }),
      ],
      [
        'two polling relays, SKIP LOCKED, starting on a 100 ms backlog',
        runRelays({ ...base, relay: 'polling', relays: 2, crash: 0, publishMs: 10, relayDelayMs: 100 }),
      ],
      ['one polling relay, no crash', runRelays({ ...base, relay: 'polling', relays: 1, crash: 0 })],
    ];
    const [crashing, tailing, two, one] = runs.map(([, r]) => r) as [RelayRun, RelayRun, RelayRun, RelayRun];
    const fails =
      crashing.duplicates > 0 &&
      tailing.lost > 0 &&
      two.reordered > 0 &&
      one.lost + one.duplicates + one.reordered === 0;
    return {
      observed: fails ? 'fails' : 'holds',
      summary:
        `${writers} writers × ${eventsPerWriter} events, transactions held open up to 30 ms after taking their id: a polling relay that ` +
        `crashed ${crashing.crashes} times published ${crashing.duplicates} events twice; tailing by id > last never published ` +
        `${tailing.lost} of ${tailing.committed} committed events; two relays published ${two.reordered} pairs of one aggregate's ` +
        `events out of order; one polling relay without crashes: ${one.lost} lost, ${one.duplicates} duplicates, ${one.reordered} reordered.`,
      measurements: {
        'crashing relay duplicates': crashing.duplicates,
        'tailing lost': tailing.lost,
        'two relays reordered': two.reordered,
        'one relay lost': one.lost,
      },
      tables: [{ columns: deliveryColumns, rows: runs.map(([l, r]) => deliveryRow(l, r)) }],
      counterexample: { tailingLostExample: tailing.examples.lost, reordered: two.examples.reordered },
      traceHash: hashOf(runs.map(([, r]) => r.traceHash)),
    };
  },
};

export const eventStoreTailing: Scenario = {
  id: 'event-store-tailing',
  title: 'An event store read by global_position > last loses events',
  claim: 'The same serial-id tailing bug loses events in an event store read by `global_position > last`.',
  expected: 'holds',
  rows,
  run: ({ seed, quick }) => {
    const eventsPerWriter = quick ? 10 : 40;
    const tailing = runRelays({
      seed,
      relay: 'tailing',
      relays: 1,
      writers: 6,
      eventsPerWriter,
      holdMs: 30,
      crash: 0,
      table: 'events',
    });
    const serial = runRelays({
      seed,
      relay: 'tailing',
      relays: 1,
      writers: 1,
      eventsPerWriter: eventsPerWriter * 6,
      holdMs: 30,
      crash: 0,
      table: 'events',
    });
    const holds = tailing.lost > 0 && serial.lost === 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `Six streams appending concurrently: a projection reading global_position > last missed ${tailing.lost} of ` +
        `${tailing.committed} events (a position taken before a later one but committed after the projection moved past it). ` +
        `With one writer, positions commit in order and it missed ${serial.lost}.`,
      measurements: { 'missed, concurrent appends': tailing.lost, 'missed, one writer': serial.lost },
      tables: [
        {
          columns: deliveryColumns,
          rows: [deliveryRow('six concurrent streams', tailing), deliveryRow('one writer', serial)],
        },
      ],
      counterexample: { missedPosition: tailing.examples.lost },
      traceHash: hashOf([tailing.traceHash, serial.traceHash]),
    };
  },
};

export const onConflictProducer: Scenario = {
  id: 'on-conflict-producer',
  title: '`INSERT … ON CONFLICT DO NOTHING` plus an outbox insert',
  claim:
    '“The producer’s `INSERT … ON CONFLICT (request_id) DO NOTHING` plus an outbox insert collapses duplicate requests.”',
  expected: 'fails',
  corrected:
    'DO NOTHING skips only the order row: the outbox insert runs anyway with a fresh event id, so each duplicate ' +
    'request emits a new event that dedup by event id cannot recognise. Insert the event only when the order row ' +
    'was inserted (RETURNING / row count), or derive the event id from the request id.',
  rows,
  run: ({ seed, quick }) => {
    const requests = quick ? 60 : 300;
    const retry = 0.3;
    const sample = runOrderRequests({ seed, requests, retry, fixed: false });
    const fixed = runOrderRequests({ seed, requests, retry, fixed: true });
    const fails =
      sample.duplicatedRequests > 0 &&
      sample.duplicatedRequests === sample.retries &&
      fixed.extraEffects === 0;
    return {
      observed: fails ? 'fails' : 'holds',
      summary:
        `${requests} order requests, ${sample.retries} sent again after the first committed: the sample wrote ` +
        `${sample.outboxRows} outbox rows, and a consumer deduplicating by event id applied ${sample.duplicatedRequests} ` +
        `orders twice. With the event inserted only when the order was: ${fixed.outboxRows} rows, ${fixed.extraEffects} extra effects.`,
      measurements: {
        retries: sample.retries,
        'sample outbox rows': sample.outboxRows,
        'sample orders applied twice': sample.duplicatedRequests,
        'fixed outbox rows': fixed.outboxRows,
        'fixed extra effects': fixed.extraEffects,
      },
      tables: [
        {
          columns: [
            'producer',
            'requests',
            'duplicates sent',
            'outbox rows',
            'orders applied twice downstream',
          ],
          rows: [
            [
              'sample: ON CONFLICT DO NOTHING + outbox insert',
              requests,
              sample.retries,
              sample.outboxRows,
              sample.duplicatedRequests,
            ],
            [
              'fix: outbox insert only when the order was inserted',
              requests,
              fixed.retries,
              fixed.outboxRows,
              fixed.duplicatedRequests,
            ],
          ],
        },
      ],
      counterexample: { duplicatedRequests: sample.duplicatedRequests },
      traceHash: hashOf([sample.traceHash, fixed.traceHash]),
    };
  },
};

/** At-most-once, at-least-once and effectively-once consumers on the same faults. */
import type { Scenario } from '../../contract';
import { runDelivery, type DeliveryOutcome } from '../delivery';
import { deliveryColumns, deliveryRow, hashOf, rows } from './common';

export const deliverySemantics: Scenario = {
  id: 'delivery-semantics',
  title: 'At-most-once loses, at-least-once duplicates, an idempotent transactional consumer does neither',
  claim:
    'At-most-once loses messages; at-least-once duplicates them; exactly-once effects come from at-least-once ' +
    'delivery plus idempotent, transactional consumers.',
  expected: 'holds',
  rows,
  run: ({ seed, quick }) => {
    const events = quick ? 80 : 400;
    const faults = { crash: 0.05, stall: 0.03, duplicate: 0.05 };
    const runs: [string, DeliveryOutcome][] = (
      [
        ['at-most-once (ack, then apply)', 'at-most-once'],
        ['at-least-once (apply, then ack)', 'at-least-once'],
        ['effectively-once (event id as key, in the effect’s transaction; then ack)', 'effectively-once'],
      ] as const
    ).map(([label, strategy]) => [label, runDelivery({ seed, events, strategy, ...faults })]);
    const [atMost, atLeast, once] = runs.map(([, o]) => o) as [
      DeliveryOutcome,
      DeliveryOutcome,
      DeliveryOutcome,
    ];
    const holds =
      atMost.lostEvents > 0 &&
      atLeast.lostEvents === 0 &&
      atLeast.duplicatedEvents > 0 &&
      once.lostEvents === 0 &&
      once.duplicatedEvents === 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `Same ${events} events, same faults (a crash between effect and ack on ${Math.round(faults.crash * 100)} % of ` +
        `deliveries, rebalances on ${Math.round(faults.stall * 100)} %, ${Math.round(faults.duplicate * 100)} % published twice): ` +
        `at-most-once lost ${atMost.lostEvents} (and still applied ${atMost.duplicatedEvents} producer duplicates twice); ` +
        `at-least-once lost none and applied ${atLeast.duplicatedEvents} events more than once; the idempotent ` +
        `transactional consumer lost ${once.lostEvents} and duplicated ${once.duplicatedEvents}, skipping ${once.stats.skipped} redeliveries on the key.`,
      measurements: {
        'at-most-once lost': atMost.lostEvents,
        'at-most-once duplicated': atMost.duplicatedEvents,
        'at-least-once lost': atLeast.lostEvents,
        'at-least-once duplicated': atLeast.duplicatedEvents,
        'effectively-once lost': once.lostEvents,
        'effectively-once duplicated': once.duplicatedEvents,
        'effectively-once skipped': once.stats.skipped,
      },
      tables: [
        {
          title: 'effects table after the run',
          columns: deliveryColumns,
          rows: runs.map(([l, o]) => deliveryRow(l, o)),
        },
      ],
      traceHash: hashOf(runs.map(([, o]) => o.traceHash)),
    };
  },
};

/** What the G2 scenarios share. */
import type { DeliveryOutcome } from '../delivery';

export const rows = ['G2'];

export function hashOf(hashes: readonly string[]): string {
  return hashes.join('').slice(0, 32);
}

export const deliveryColumns = [
  'consumer',
  'events',
  'deliveries',
  'crashes',
  'rebalances',
  'duplicates skipped',
  'events applied twice or more',
  'extra applications',
  'events lost',
];

export function deliveryRow(label: string, o: DeliveryOutcome): (string | number)[] {
  return [
    label,
    o.events,
    o.stats.deliveries,
    o.stats.crashes,
    o.stats.stalls,
    o.stats.skipped,
    o.duplicatedEvents,
    o.extraApplications,
    o.lostEvents,
  ];
}

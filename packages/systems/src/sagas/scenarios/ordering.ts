/** Charge after reserve: what makes it hold in a choreography, and what a reservation's time to live does to it. */
import type { Scenario, ScenarioResult } from '../../contract';
import type { SagaCluster } from '../cluster';
import { round, runSagas, seedsFor, slowLink } from './common';

/** Orders whose charge was applied while inventory held nothing for them (before the reserve, or without one). */
function chargedFirst(cluster: SagaCluster): { before: number; without: number; example?: string } {
  let before = 0;
  let without = 0;
  let example: string | undefined;
  for (const [saga, steps] of cluster.recorder.timelines) {
    if (!saga.startsWith('o')) continue;
    const charge = steps.find((a) => a.service === 'payment' && a.op === 'charge' && a.change === 'charge');
    if (!charge) continue;
    const hold = steps.find((a) => a.service === 'inventory' && a.change === 'hold');
    if (!hold) {
      without++;
      example ??= `${saga} was charged at ${round(charge.t)} ms and never reserved (${steps.find((a) => a.op === 'reserve')?.reason ?? 'no reserve'})`;
    } else if (hold.t > charge.t) {
      before++;
      example ??= `${saga} was charged at ${round(charge.t)} ms, reserved at ${round(hold.t)} ms`;
    }
  }
  return example !== undefined ? { before, without, example } : { before, without };
}

export const parallelChoreography: Scenario = {
  id: 'choreography-parallel-reactions',
  title: 'Inventory and payment both reacting to OrderCreated run in parallel',
  claim:
    'Inventory and Payment both react to the OrderCreated event (choreography) and charge-after-reserve holds.',
  expected: 'fails',
  corrected:
    'They run in parallel: payment can happen before or without a reservation. Chain them: payment reacts to StockReserved.',
  rows: ['I1'],
  run({ seed, quick }): ScenarioResult {
    const base = { mode: 'choreographed', tripShare: 0, sagas: 60, intervalMs: 15, stock: 30 } as const;
    const rows: (string | number)[][] = [];
    const totals = {
      parallel: { before: 0, without: 0, orders: 0 },
      chained: { before: 0, without: 0, orders: 0 },
    };
    let example: string | undefined;
    for (const s of seedsFor(seed, quick, 4, 2)) {
      for (const choreography of ['parallel', 'chained'] as const) {
        const cluster = runSagas({ ...base, choreography }, s);
        const found = chargedFirst(cluster);
        const orders = cluster.recorder.acceptedAt.size;
        const into = totals[choreography];
        into.before += found.before;
        into.without += found.without;
        into.orders += orders;
        if (choreography === 'parallel') example ??= found.example;
        rows.push([
          s,
          choreography === 'parallel' ? 'both on OrderCreated' : 'payment on StockReserved',
          orders,
          found.before,
          found.without,
        ]);
      }
    }
    const broken = totals.parallel.before + totals.parallel.without;
    const chained = totals.chained.before + totals.chained.without;
    return {
      observed: broken > 0 && chained === 0 ? 'fails' : 'holds',
      summary:
        `With both reacting to OrderCreated, ${totals.parallel.before} of ${totals.parallel.orders} orders were charged before their stock was reserved and ${totals.parallel.without} ` +
        `were charged with no reservation at all (sold out); chained on StockReserved, ${chained} of ${totals.chained.orders}.`,
      measurements: {
        parallelChargedBeforeReserve: totals.parallel.before,
        parallelChargedWithoutReserve: totals.parallel.without,
        chainedChargedWithoutReserve: chained,
        orders: totals.parallel.orders,
      },
      tables: [
        {
          title: 'Choreographed orders',
          columns: ['seed', 'subscriptions', 'orders', 'charged before reserve', 'charged, never reserved'],
          rows,
        },
      ],
      counterexample: { parallel: example },
    };
  },
};

export const reservationTtl: Scenario = {
  id: 'reserve-before-charge-ttl',
  title: 'Reserve before charge, with reservations that expire',
  claim: 'Reserve before charge guarantees no charge without stock.',
  expected: 'partly',
  corrected:
    'Only if a reservation cannot expire before the charge (and the shipment that follows it): with a time to live shorter than the slowest path, charges land on lapsed reservations.',
  rows: ['I1'],
  run({ seed, quick }): ScenarioResult {
    // A slow payment service: most charges come back in ~15 ms, a few take hundreds.
    const base = {
      mode: 'orchestrated',
      tripShare: 0,
      sagas: 60,
      intervalMs: 15,
      stock: 1_000,
      stepTimeoutMs: 1_000,
    } as const;
    const ttls = [0, 300, 100];
    const rows: (string | number)[][] = [];
    const byTtl = new Map<number, { charged: number; expired: number; orders: number }>();
    let example: string | undefined;
    for (const s of seedsFor(seed, quick, 4, 2)) {
      for (const ttl of ttls) {
        const cluster = runSagas({ ...base, reservationTtlMs: ttl }, s, {
          setup: ({ world }) => {
            world.network.configure('*', 'payment', slowLink(8, 250));
            world.network.configure('payment', '*', slowLink(8, 250));
          },
        });
        const charged = cluster.recorder.counts.chargedWithoutReservation;
        const expired = cluster.recorder.ledger('inventory').expired;
        const into = byTtl.get(ttl) ?? { charged: 0, expired: 0, orders: 0 };
        into.charged += charged;
        into.expired += expired;
        into.orders += cluster.recorder.acceptedAt.size;
        byTtl.set(ttl, into);
        if (charged > 0) example ??= cluster.recorder.problems.noChargeWithoutReservation;
        rows.push([s, ttl === 0 ? 'never' : `${ttl} ms`, cluster.recorder.acceptedAt.size, expired, charged]);
      }
    }
    const never = byTtl.get(0) as { charged: number; expired: number; orders: number };
    const expiring = ttls.filter((t) => t > 0).reduce((n, t) => n + (byTtl.get(t)?.charged ?? 0), 0);
    return {
      observed:
        never.charged === 0 && expiring > 0
          ? 'partly'
          : expiring > 0 || never.charged > 0
            ? 'fails'
            : 'holds',
      summary:
        `With a slow payment service and reservations that never lapse, ${never.charged} of ${never.orders} orders were charged without stock held; ` +
        ttls
          .filter((t) => t > 0)
          .map(
            (t) =>
              `with a ${t} ms time to live, ${byTtl.get(t)?.charged ?? 0} were (${byTtl.get(t)?.expired ?? 0} reservations lapsed)`,
          )
          .join('; ') +
        '.',
      measurements: {
        chargedWithoutStockNoTtl: never.charged,
        chargedWithoutStockTtl300: byTtl.get(300)?.charged ?? 0,
        chargedWithoutStockTtl100: byTtl.get(100)?.charged ?? 0,
        lapsedTtl100: byTtl.get(100)?.expired ?? 0,
      },
      tables: [
        {
          title: 'Orders with a slow payment service',
          columns: ['seed', 'reservation time to live', 'orders', 'lapsed', 'charged without stock held'],
          rows,
        },
      ],
      counterexample: { charged: example },
    };
  },
};

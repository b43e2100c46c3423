/** The study material's try/except saga, run as written beside the orchestrator, under the same faults. */
import type { Scenario, ScenarioResult } from '../../contract';
import { ORCHESTRATOR, TRY_EXCEPT, type SagaCluster, type SagaMode } from '../cluster';
import { sagasSeen } from '../invariants';
import { round, runSagas, seedsFor, slowLink, tally } from './common';

/** What the try/except saga left behind, per saga, judged by its own steps (create, reserve, charge, confirm). */
export interface TryExceptDamage {
  readonly sagas: number;
  /** Charged, with its stock released or never held: the case the claim names. */
  readonly chargedWithoutStock: number;
  readonly chargedTwice: number;
  readonly stockHeldTwice: number;
  /** Neither confirmed with everything done, nor rejected with nothing left. */
  readonly partWay: number;
  readonly example: string | undefined;
}

export function tryExceptDamage(cluster: SagaCluster): TryExceptDamage {
  const { recorder } = cluster;
  let chargedWithoutStock = 0;
  let chargedTwice = 0;
  let stockHeldTwice = 0;
  let partWay = 0;
  let example: string | undefined;
  const sagas = sagasSeen(recorder);
  for (const saga of sagas) {
    const order = recorder.ledger('orders').peek(saga)?.status;
    const units = recorder.ledger('inventory').peek(saga)?.units ?? 0;
    const payment = recorder.ledger('payment').peek(saga);
    const net = (payment?.charges ?? 0) - (payment?.refunds ?? 0);
    const detail = `${saga}: order ${order ?? 'none'}, stock held ${units}, charged ${payment?.charges ?? 0}×, refunded ${payment?.refunds ?? 0}×`;
    if (net > 0 && units === 0) chargedWithoutStock++;
    if ((payment?.charges ?? 0) > 1) chargedTwice++;
    if (units > 1) stockHeldTwice++;
    const whole = order === 'confirmed' && units === 1 && net === 1;
    const none = (order === undefined || order === 'rejected') && units === 0 && net === 0;
    if (!whole && !none) {
      partWay++;
      example ??= detail;
    }
  }
  return { sagas: sagas.length, chargedWithoutStock, chargedTwice, stockHeldTwice, partWay, example };
}

export const tryExceptSaga: Scenario = {
  id: 'try-except-saga',
  title: 'The try/except saga, run as written, beside a durable orchestrator',
  claim:
    'The try/except saga (create → reserve → charge → confirm; on PaymentFailed release and cancel) compensates correctly.',
  expected: 'fails',
  corrected:
    'Only payment failure is handled; a charge that timed out but succeeded leaves the customer charged with stock released; compensations are not idempotent or retried, and a crash forgets the saga. A saga needs durable state, idempotency keys, retries and compensations that are no-ops when there is nothing to undo.',
  rows: ['I1'],
  run({ seed, quick }): ScenarioResult {
    // The same faults for both: duplicated messages, a slow payment service, one crash of the coordinator.
    const faults = (coordinator: string) => (cluster: SagaCluster) => {
      cluster.world.network.configure('*', 'payment', slowLink(15, 250));
      cluster.world.network.configure('payment', '*', slowLink(15, 250));
      cluster.world.at(350, `crash ${coordinator}`, () => cluster.world.crash(coordinator));
      cluster.world.at(450, `restart ${coordinator}`, () => cluster.world.restart(coordinator));
    };
    const common = {
      tripShare: 0,
      sagas: 50,
      intervalMs: 15,
      undeliverableRate: 0,
      declineRate: 0.2,
      stock: 40,
      duplicate: 0.1,
      callTimeoutMs: 100,
      stepTimeoutMs: 100,
    } as const;
    const totals = {
      naive: { sagas: 0, cws: 0, twice: 0, held2: 0, partWay: 0 },
      correct: { sagas: 0, partWay: 0, broken: 0 },
    };
    const rows: (string | number)[][] = [];
    let example: string | undefined;
    for (const s of seedsFor(seed, quick, 4, 2)) {
      const modes: readonly [SagaMode, string][] = [
        ['try-except', TRY_EXCEPT],
        ['orchestrated', ORCHESTRATOR],
      ];
      for (const [mode, coordinator] of modes) {
        const cluster = runSagas({ ...common, mode }, s, { setup: faults(coordinator) });
        if (mode === 'try-except') {
          const d = tryExceptDamage(cluster);
          totals.naive.sagas += d.sagas;
          totals.naive.cws += d.chargedWithoutStock;
          totals.naive.twice += d.chargedTwice;
          totals.naive.held2 += d.stockHeldTwice;
          totals.naive.partWay += d.partWay;
          example ??= d.example;
          rows.push([
            s,
            'try/except',
            d.sagas,
            d.partWay,
            d.chargedWithoutStock,
            d.chargedTwice,
            d.stockHeldTwice,
          ]);
        } else {
          const t = tally(cluster);
          const c = cluster.recorder.counts;
          const broken = c.chargedWithoutReservation + c.doubleCharges + c.doubleRefunds + c.undoneAfterPivot;
          totals.correct.sagas += t.sagas;
          totals.correct.partWay += t.partial;
          totals.correct.broken += broken;
          rows.push([s, 'orchestrator', t.sagas, t.partial, c.chargedWithoutReservation, c.doubleCharges, 0]);
        }
      }
    }
    const naiveFailures = totals.naive.partWay + totals.naive.cws + totals.naive.twice;
    const correctFailures = totals.correct.partWay + totals.correct.broken;
    return {
      observed: naiveFailures > 0 && correctFailures === 0 ? 'fails' : 'holds',
      summary:
        `Under duplication (10 %), a slow payment service and one coordinator crash, the try/except saga left ${totals.naive.partWay} of ${totals.naive.sagas} sagas part-way ` +
        `(${round((100 * totals.naive.partWay) / Math.max(1, totals.naive.sagas))} %): ${totals.naive.cws} charged with the stock released or never held, ${totals.naive.twice} charged twice, ` +
        `${totals.naive.held2} holding two units. The durable orchestrator, under the same faults, left ${totals.correct.partWay} of ${totals.correct.sagas} part-way and broke an invariant ${totals.correct.broken} times.`,
      measurements: {
        tryExceptSagas: totals.naive.sagas,
        tryExceptPartWay: totals.naive.partWay,
        tryExceptChargedWithoutStock: totals.naive.cws,
        tryExceptChargedTwice: totals.naive.twice,
        tryExceptStockHeldTwice: totals.naive.held2,
        orchestratorSagas: totals.correct.sagas,
        orchestratorPartWay: totals.correct.partWay,
        orchestratorInvariantBreaks: totals.correct.broken,
      },
      tables: [
        {
          title: 'Same seeds, same faults',
          columns: [
            'seed',
            'saga',
            'sagas',
            'part-way',
            'charged without stock',
            'charged twice',
            'stock held twice',
          ],
          rows,
        },
      ],
      counterexample: { tryExcept: example },
    };
  },
};

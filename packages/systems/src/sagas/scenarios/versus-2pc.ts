/**
 * The same order workload through a saga and through two-phase commit (the twopc system's
 * `runTwoPhaseOrders`): latency, how long locks are held, and what still commits while payment is down.
 */
import type { Scenario, ScenarioResult } from '../../contract';
import { runTwoPhaseOrders, type OrderWorkload, type TwoPhaseOrderFigures } from '../../twopc';
import type { SagaCluster } from '../cluster';
import { meanLatency, round, runSagas } from './common';

const OUTAGE = { participant: 'payment', fromMs: 150, untilMs: 650 } as const;

interface SagaFigures {
  readonly orders: number;
  readonly committed: number;
  readonly latencyMs: number;
  readonly duringOutage: number;
  readonly committedDuringOutage: number;
  /** Reserve → commit or release: how long a unit is set aside (visible to all, locking nothing). */
  readonly reservationHeldMs: number;
}

function sagaFigures(cluster: SagaCluster): SagaFigures {
  const { recorder } = cluster;
  let committed = 0;
  let during = 0;
  let committedDuring = 0;
  for (const [saga, at] of recorder.acceptedAt) {
    const ok = recorder.endedAt.get(saga)?.outcome === 'committed';
    if (ok) committed++;
    if (at >= OUTAGE.fromMs && at < OUTAGE.untilMs) {
      during++;
      if (ok) committedDuring++;
    }
  }
  let held = 0;
  let holds = 0;
  for (const steps of recorder.timelines.values()) {
    const from = steps.find((a) => a.service === 'inventory' && a.change === 'hold');
    const to = steps.find((a) => a.service === 'inventory' && (a.op === 'commit' || a.change === 'unhold'));
    if (from && to) {
      held += to.t - from.t;
      holds++;
    }
  }
  return {
    orders: recorder.acceptedAt.size,
    committed,
    latencyMs: meanLatency(cluster),
    duringOutage: during,
    committedDuringOutage: committedDuring,
    reservationHeldMs: holds > 0 ? held / holds : 0,
  };
}

function share(n: number, of: number): number {
  return of > 0 ? n / of : 0;
}

export const versusTwoPhaseCommit: Scenario = {
  id: 'saga-vs-two-phase-commit',
  title: 'A saga and two-phase commit on the same orders: latency, locks, a participant down',
  claim:
    'Two-phase commit holds row locks across the network and commits nothing that needs a participant while it is down; a saga locks nothing and finishes those orders once the participant is back, at the price of isolation and of sequential steps.',
  expected: 'holds',
  rows: ['I1'],
  run({ seed, quick }): ScenarioResult {
    const orders = quick ? 40 : 80;
    const workload: OrderWorkload = {
      orders,
      intervalMs: 10,
      products: 20,
      stockPerProduct: 10_000,
      customers: 20,
      balancePerCustomer: 1_000_000,
      maxQuantity: 1,
      unitPrice: 1,
      latencyMs: 5,
      jitterMs: 5,
    };
    const sagaInput = {
      mode: 'orchestrated',
      tripShare: 0,
      sagas: orders,
      intervalMs: 10,
      stock: 1_000_000,
      declineRate: 0,
      undeliverableRate: 0,
      latencyMs: 5,
      jitterMs: 5,
    } as const;
    const outage = (cluster: SagaCluster) => {
      cluster.world.at(OUTAGE.fromMs, 'crash payment', () => cluster.world.crash(OUTAGE.participant));
      cluster.world.at(OUTAGE.untilMs, 'restart payment', () => cluster.world.restart(OUTAGE.participant));
    };
    const healthy2pc = runTwoPhaseOrders(workload, seed);
    const healthySaga = sagaFigures(runSagas(sagaInput, seed));
    const timeouts = [200, 2_000];
    const down = timeouts.map((timeout) => ({
      timeout,
      twoPc: runTwoPhaseOrders({ ...workload, voteTimeoutMs: timeout, outage: OUTAGE }, seed),
      saga: sagaFigures(runSagas({ ...sagaInput, stepTimeoutMs: timeout }, seed, { setup: outage })),
    }));
    const long = down[1] as { timeout: number; twoPc: TwoPhaseOrderFigures; saga: SagaFigures };
    const sagaShareLong = share(long.saga.committedDuringOutage, long.saga.duringOutage);
    const twoPcShareLong = long.twoPc.availabilityDuringOutage ?? 0;
    const lockedAcrossOutage = long.twoPc.lockHeldMs.max >= (OUTAGE.untilMs - OUTAGE.fromMs) / 2;
    const slower = healthySaga.latencyMs > healthy2pc.latencyMs.mean;
    const holds = lockedAcrossOutage && sagaShareLong > twoPcShareLong && slower;
    const rows: (string | number)[][] = [
      [
        'healthy',
        '2PC',
        healthy2pc.orders,
        healthy2pc.committed,
        round(healthy2pc.latencyMs.mean),
        round(healthy2pc.lockHeldMs.mean),
        round(healthy2pc.lockHeldMs.max),
        '—',
      ],
      [
        'healthy',
        'saga',
        healthySaga.orders,
        healthySaga.committed,
        round(healthySaga.latencyMs),
        'none',
        'none',
        '—',
      ],
    ];
    for (const d of down) {
      rows.push([
        `payment down, timeout ${d.timeout} ms`,
        '2PC',
        d.twoPc.orders,
        d.twoPc.committed,
        round(d.twoPc.latencyMs.mean),
        round(d.twoPc.lockHeldMs.mean),
        round(d.twoPc.lockHeldMs.max),
        `${round(100 * (d.twoPc.availabilityDuringOutage ?? 0))} % of ${d.twoPc.ordersDuringOutage}`,
      ]);
      rows.push([
        `payment down, timeout ${d.timeout} ms`,
        'saga',
        d.saga.orders,
        d.saga.committed,
        round(d.saga.latencyMs),
        'none',
        'none',
        `${round(100 * share(d.saga.committedDuringOutage, d.saga.duringOutage))} % of ${d.saga.duringOutage}`,
      ]);
    }
    return {
      observed: holds ? 'holds' : 'partly',
      summary:
        `Healthy: 2PC answered in ${round(healthy2pc.latencyMs.mean)} ms on average (two rounds, participants in parallel) and held each row lock ${round(healthy2pc.lockHeldMs.mean)} ms, refusing ${healthy2pc.refusals} of ${healthy2pc.orders} orders on locked rows; ` +
        `the saga took ${round(healthySaga.latencyMs)} ms (six steps in sequence) and locked nothing, a reserved unit staying set aside for ${round(healthySaga.reservationHeldMs)} ms. ` +
        `With payment down for ${OUTAGE.untilMs - OUTAGE.fromMs} ms and a ${long.timeout} ms timeout, 2PC committed ${round(100 * twoPcShareLong)} % of the orders placed meanwhile and held locks up to ${round(long.twoPc.lockHeldMs.max)} ms; ` +
        `the saga committed ${round(100 * sagaShareLong)} % of them after payment came back.`,
      measurements: {
        twoPcLatencyMs: round(healthy2pc.latencyMs.mean, 2),
        sagaLatencyMs: round(healthySaga.latencyMs, 2),
        twoPcLockHeldMeanMs: round(healthy2pc.lockHeldMs.mean, 2),
        twoPcRefusedOnLocks: healthy2pc.refusals,
        sagaReservationHeldMs: round(healthySaga.reservationHeldMs, 2),
        twoPcLockHeldMaxDuringOutageMs: round(long.twoPc.lockHeldMs.max, 2),
        twoPcCommittedDuringOutage: round(twoPcShareLong, 3),
        sagaCommittedDuringOutage: round(sagaShareLong, 3),
        twoPcCommittedDuringOutageShortTimeout: round(down[0]?.twoPc.availabilityDuringOutage ?? 0, 3),
        sagaCommittedDuringOutageShortTimeout: round(
          share(down[0]?.saga.committedDuringOutage ?? 0, down[0]?.saga.duringOutage ?? 0),
          3,
        ),
      },
      tables: [
        {
          title: 'The same orders (no stock or money refusals), 5–10 ms links',
          columns: [
            'run',
            'protocol',
            'orders',
            'committed',
            'mean latency ms',
            'lock held mean ms',
            'lock held max ms',
            'committed of orders placed while down',
          ],
          rows,
        },
      ],
    };
  },
};

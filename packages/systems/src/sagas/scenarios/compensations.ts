/** Compensations: no-ops when there is nothing to undo, idempotent, and tombstones against late requests. */
import type { Scenario, ScenarioResult } from '../../contract';
import { ORCHESTRATOR } from '../cluster';
import type { Orchestrator } from '../orchestrator';
import { runSagas, seedsFor } from './common';

export const compensateWhatNeverRan: Scenario = {
  id: 'compensate-steps-never-ran',
  title: '“On failure run refund and release” also undoes steps that never ran',
  claim: 'On failure run refund and release.',
  expected: 'partly',
  corrected:
    'It compensates steps that never ran (a saga refused at the reservation was never charged): compensations must be no-ops when there is nothing to undo, and idempotent.',
  rows: ['I1'],
  run({ seed, quick }): ScenarioResult {
    // Every failure runs every compensation; scarce stock and declines make failures early and late.
    const base = {
      mode: 'orchestrated',
      tripShare: 0,
      sagas: 50,
      intervalMs: 15,
      stock: 15,
      declineRate: 0.3,
      duplicate: 0.2,
      compensateEverything: true,
    } as const;
    const rows: (string | number)[][] = [];
    const harm = {
      blind: { refunds: 0, phantom: 0 },
      checked: { refunds: 0, phantom: 0, noops: 0, twice: 0 },
    };
    let example: string | undefined;
    for (const s of seedsFor(seed, quick, 4, 2)) {
      for (const blind of [true, false]) {
        const cluster = runSagas({ ...base, blindCompensations: blind }, s);
        const payment = cluster.recorder.ledger('payment');
        let unowed = 0;
        for (const [saga, record] of payment.records) {
          const extra = Math.max(0, record.refunds - record.charges);
          unowed += extra;
          if (extra > 0 && blind)
            example ??= `${saga} was refunded ${record.refunds}× after ${record.charges} charge(s)`;
        }
        const phantom = cluster.recorder.ledger('inventory').phantom;
        const noops = [...cluster.recorder.ledgers.values()].reduce(
          (n, l) => n + l.compensationsWithNothingToUndo,
          0,
        );
        if (blind) {
          harm.blind.refunds += unowed;
          harm.blind.phantom += phantom;
        } else {
          harm.checked.refunds += unowed;
          harm.checked.phantom += phantom;
          harm.checked.noops += noops;
          harm.checked.twice += cluster.recorder.counts.doubleRefunds;
        }
        rows.push([s, blind ? 'blind' : 'no-op when nothing to undo', unowed, phantom, blind ? 0 : noops]);
      }
    }
    const blindHarm = harm.blind.refunds + harm.blind.phantom;
    const checkedHarm = harm.checked.refunds + harm.checked.phantom + harm.checked.twice;
    return {
      observed:
        blindHarm > 0 && checkedHarm === 0 && harm.checked.noops > 0
          ? 'partly'
          : blindHarm > 0
            ? 'fails'
            : 'holds',
      summary:
        `Running every compensation on every failure, blind compensations refunded ${harm.blind.refunds} charges that never happened and put back ${harm.blind.phantom} units never reserved; ` +
        `compensations that check what was done turned ${harm.checked.noops} of those calls into no-ops and, under 20 % duplication, refunded money never charged ${harm.checked.refunds} times and twice ${harm.checked.twice} times.`,
      measurements: {
        blindRefundsWithoutCharge: harm.blind.refunds,
        blindPhantomStock: harm.blind.phantom,
        checkedRefundsWithoutCharge: harm.checked.refunds,
        checkedPhantomStock: harm.checked.phantom,
        checkedNoOps: harm.checked.noops,
        checkedDoubleRefunds: harm.checked.twice,
      },
      tables: [
        {
          title: 'Every failure runs refund and release',
          columns: [
            'seed',
            'compensations',
            'refunds without a charge',
            'units put back never reserved',
            'no-ops',
          ],
          rows,
        },
      ],
      counterexample: { blind: example },
    };
  },
};

export const keyWithoutTombstone: Scenario = {
  id: 'idempotency-key-needs-tombstone',
  title: 'saga id + step as the key stops duplicates, not a reserve that arrives after its cancel',
  claim: 'orderId + step as idempotency key prevents double reservations.',
  expected: 'partly',
  corrected:
    'It handles duplicates, not reordering: a late reserve arriving after its cancel leaves a dangling reservation unless the cancel leaves a tombstone.',
  rows: ['I1'],
  run({ seed, quick }): ScenarioResult {
    // Duplicated messages everywhere; the link to inventory takes anywhere from 0 to 150 ms, so a reserve
    // can time out (60 ms) and the release sent afterwards can overtake a late copy of it.
    const base = {
      mode: 'orchestrated',
      tripShare: 0,
      sagas: 40,
      intervalMs: 10,
      stock: 1_000,
      duplicate: 0.2,
      stepTimeoutMs: 60,
      retryMs: 20,
    } as const;
    const rows: (string | number)[][] = [];
    const totals = {
      tombstone: { doubles: 0, dangling: 0, refused: 0 },
      none: { doubles: 0, dangling: 0, refused: 0 },
    };
    let example: string | undefined;
    for (const s of seedsFor(seed, quick, 4, 2)) {
      for (const withTombstone of [true, false]) {
        const cluster = runSagas(withTombstone ? base : { ...base, mutant: 'cancel-no-tombstone' }, s, {
          setup: ({ world }) =>
            world.network.configure(ORCHESTRATOR, 'inventory', {
              latency: { kind: 'uniform', min: 0, max: 150 },
            }),
        });
        const { recorder, world } = cluster;
        let doubles = 0;
        for (const steps of recorder.timelines.values())
          if (steps.filter((a) => a.service === 'inventory' && a.change === 'hold').length > 1) doubles++;
        let dangling = 0;
        for (const [saga, state] of world.node<Orchestrator>(ORCHESTRATOR).sagas) {
          if (state.phase !== 'compensated') continue;
          if ((recorder.ledger('inventory').peek(saga)?.units ?? 0) > 0) {
            dangling++;
            if (!withTombstone)
              example ??= `${saga}: compensated (${state.why}), yet inventory holds its unit: the reserve arrived after the release`;
          }
        }
        const refused = recorder.ledger('inventory').refusedByTombstone;
        const into = withTombstone ? totals.tombstone : totals.none;
        into.doubles += doubles;
        into.dangling += dangling;
        into.refused += refused;
        rows.push([s, withTombstone ? 'key + tombstone' : 'key only', doubles, dangling, refused]);
      }
    }
    const doubles = totals.tombstone.doubles + totals.none.doubles;
    const partly = doubles === 0 && totals.none.dangling > 0 && totals.tombstone.dangling === 0;
    return {
      observed: partly ? 'partly' : doubles > 0 || totals.tombstone.dangling > 0 ? 'fails' : 'holds',
      summary:
        `Under 20 % duplication the key stopped every double reservation (${doubles} sagas held two units). With the key alone, ${totals.none.dangling} compensated ` +
        `sagas still held stock, reserved by a request that arrived after its release; with a tombstone, ${totals.tombstone.dangling}, and ${totals.tombstone.refused} late reserves were refused.`,
      measurements: {
        doubleReservations: doubles,
        danglingWithKeyOnly: totals.none.dangling,
        danglingWithTombstone: totals.tombstone.dangling,
        lateReservesRefusedByTombstone: totals.tombstone.refused,
      },
      tables: [
        {
          title: 'Duplicated and reordered reserve/release',
          columns: [
            'seed',
            'inventory keeps',
            'sagas holding two units',
            'compensated sagas still holding stock',
            'late reserves refused',
          ],
          rows,
        },
      ],
      counterexample: { dangling: example },
    };
  },
};

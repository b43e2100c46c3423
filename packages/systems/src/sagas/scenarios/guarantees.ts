/** What a saga guarantees: atomicity by compensation and durability, but no isolation. */
import type { Scenario, ScenarioResult } from '../../contract';
import { ORCHESTRATOR } from '../cluster';
import type { Orchestrator } from '../orchestrator';
import { dirtyRefusals, round, runSagas, seedsFor, tally } from './common';

/** Scarce capacity and frequent refusals, so concurrent sagas compete for the same units. */
const contended = {
  mode: 'orchestrated',
  sagas: 80,
  intervalMs: 8,
  stock: 6,
  seats: 5,
  rooms: 5,
  declineRate: 0.4,
  undeliverableRate: 0.2,
} as const;

export const aciWithoutD: Scenario = {
  id: 'aci-without-d',
  title: 'Sagas are ACD without I, not ACI without D',
  claim: 'Sagas are ACI without D.',
  expected: 'fails',
  corrected:
    'They give atomicity (by compensation), consistency and durability (the orchestrator resumes from its log after a crash), without isolation: concurrent sagas see each other’s intermediate states.',
  rows: ['I1'],
  run({ seed, quick }): ScenarioResult {
    const crashesAt = [150, 400, 650];
    let inFlightAtCrash = 0;
    let resumed = 0;
    let partial = 0;
    let sagas = 0;
    let refusals = 0;
    let dirty = 0;
    let firstPartial: string | undefined;
    const rows: (string | number)[][] = [];
    for (const s of seedsFor(seed, quick, 4, 2)) {
      const caught = new Set<string>();
      const cluster = runSagas(contended, s, {
        setup: ({ world }) => {
          for (const at of crashesAt) {
            world.at(at, 'crash the orchestrator', () => {
              for (const state of world.node<Orchestrator>(ORCHESTRATOR).sagas.values())
                if (state.phase === 'forward' || state.phase === 'backward') caught.add(state.saga);
              world.crash(ORCHESTRATOR);
            });
            world.at(at + 60, 'restart the orchestrator', () => world.restart(ORCHESTRATOR));
          }
        },
      });
      const counts = tally(cluster);
      const ended = [...caught].filter((saga) => cluster.recorder.endedAt.has(saga)).length;
      const seedDirty = dirtyRefusals(cluster);
      inFlightAtCrash += caught.size;
      resumed += ended;
      partial += counts.partial;
      sagas += counts.sagas;
      refusals += cluster.recorder.soldOut.length;
      dirty += seedDirty;
      firstPartial ??= counts.firstPartial;
      rows.push([
        s,
        counts.sagas,
        counts.committed,
        counts.compensated,
        counts.partial,
        caught.size,
        ended,
        seedDirty,
      ]);
    }
    const atomic = partial === 0;
    const durable = inFlightAtCrash > 0 && resumed === inFlightAtCrash;
    const isolated = dirty === 0;
    return {
      observed: atomic && durable && !isolated ? 'fails' : 'holds',
      summary:
        `${sagas - partial} of ${sagas} sagas ended all-or-nothing (atomic by compensation); ${resumed} of ${inFlightAtCrash} sagas in flight when the orchestrator crashed ` +
        `(${crashesAt.length} times a seed) finished after it restarted from its log (durable); ${dirty} of ${refusals} sold-out refusals turned a customer away ` +
        `for a unit a saga held and later gave back (not isolated).`,
      measurements: {
        sagas,
        partial,
        inFlightAtCrash,
        resumedAfterCrash: resumed,
        soldOutRefusals: refusals,
        refusalsOnUncommittedState: dirty,
        dirtyShare: refusals > 0 ? round(dirty / refusals, 3) : 0,
      },
      tables: [
        {
          title: 'Per seed: three orchestrator crashes, scarce stock',
          columns: [
            'seed',
            'sagas',
            'committed',
            'compensated',
            'part-way',
            'in flight at a crash',
            'ended after restart',
            'dirty refusals',
          ],
          rows,
        },
      ],
      counterexample: { firstPartial },
    };
  },
};

export const noIsolation: Scenario = {
  id: 'isolation-lost-updates',
  title: 'Concurrent sagas see intermediate states; a semantic lock prevents the lost update',
  claim:
    'Concurrent sagas see each other’s intermediate states; lost updates are possible without semantic locks.',
  expected: 'holds',
  rows: ['I1'],
  run({ seed, quick }): ScenarioResult {
    // Customers cancel half of their orders ~25 ms after placing them, while the saga is still running.
    const base = { tripShare: 0, cancelShare: 0.5, cancelAfterMs: 25 } as const;
    const rows: (string | number)[][] = [];
    const totals = { lost: [0, 0], acknowledged: [0, 0], dirty: [0, 0], refusals: [0, 0] };
    let example: string | undefined;
    for (const s of seedsFor(seed, quick, 4, 2)) {
      [false, true].forEach((semanticLock, i) => {
        const cluster = runSagas({ ...contended, ...base, semanticLock }, s);
        let acknowledged = 0;
        let lost = 0;
        for (const [saga, ok] of cluster.recorder.cancels) {
          if (!ok) continue;
          acknowledged++;
          if (cluster.recorder.ledger('orders').peek(saga)?.status === 'confirmed') {
            lost++;
            example ??= `${saga}: the customer was told the order is cancelled, then the saga confirmed it (it shipped and was charged)`;
          }
        }
        const dirty = dirtyRefusals(cluster);
        totals.lost[i] = (totals.lost[i] as number) + lost;
        totals.acknowledged[i] = (totals.acknowledged[i] as number) + acknowledged;
        totals.dirty[i] = (totals.dirty[i] as number) + dirty;
        totals.refusals[i] = (totals.refusals[i] as number) + cluster.recorder.soldOut.length;
        rows.push([s, semanticLock ? 'semantic lock' : 'none', acknowledged, lost, dirty]);
      });
    }
    const [lostOpen, lostLocked] = totals.lost as [number, number];
    const dirty = (totals.dirty[0] as number) + (totals.dirty[1] as number);
    return {
      observed: lostOpen > 0 && lostLocked === 0 && dirty > 0 ? 'holds' : 'fails',
      summary:
        `Without a semantic lock ${lostOpen} of ${totals.acknowledged[0]} acknowledged cancels were overwritten by the saga’s later confirm (lost updates); ` +
        `with the order marked pending and cancels refused until the saga ends, ${lostLocked} of ${totals.acknowledged[1]}. ` +
        `Either way, ${dirty} sold-out refusals were decided on units held by sagas that were later compensated.`,
      measurements: {
        lostUpdatesWithoutLock: lostOpen,
        lostUpdatesWithLock: lostLocked,
        cancelsAcknowledgedWithoutLock: totals.acknowledged[0] as number,
        cancelsAcknowledgedWithLock: totals.acknowledged[1] as number,
        refusalsOnUncommittedState: dirty,
      },
      tables: [
        {
          title: 'Customer cancels racing the order saga',
          columns: ['seed', 'lock', 'cancels acknowledged', 'lost (order confirmed)', 'dirty refusals'],
          rows,
        },
      ],
      counterexample: { lostUpdate: example },
    };
  },
};

/** The MVCC engine (catalog E3, E4): sessions as simulated clients of one database node. */
import type { TraceMode, World } from '@dslab/sim';
import type { TxnRecorder } from '@dslab/check';
import type { LiveNodeView, SystemDefinition } from '../contract';
import { simulatedSystem, standardNemesis, type SimulationSpec } from '../kit';
import { DB, buildMvccWorld, mvccParams, type MvccCluster, type MvccParams } from './cluster';
import type { IsolationLevel } from './statements';
import { mvccScenarios } from './scenarios';
import { mvccMutants, type MvccMutant } from './types';
import { LISTS, checkListAppend, listRows, startListAppend } from './workload';
import { downDetail, mvccDetail } from './view-detail';

export { mvccMutants } from './types';
export { MvccEngine } from './engine';
export { anomalyTests } from './anomalies';

interface MvccRun {
  readonly world: World;
  readonly cluster: MvccCluster;
  readonly recorder: TxnRecorder;
  readonly running: () => number;
  readonly level: IsolationLevel;
}

function build(params: MvccParams, seed: number, trace: TraceMode): MvccRun {
  const cluster = buildMvccWorld(params, seed, trace, [{ schema: LISTS, rows: listRows(params.keys) }]);
  const level = params.level;
  const { recorder, running } = startListAppend(cluster, seed, {
    level,
    keys: params.keys,
    opsPerTxn: params.opsPerTxn,
    untilMs: params.durationMs,
  });
  return { world: cluster.world, cluster, recorder, running, level };
}

function metrics(run: MvccRun): Record<string, number> {
  const history = run.recorder.history();
  const engine = run.cluster.server().engine;
  return {
    transactions: history.length,
    committed: history.filter((t) => t.type === 'ok').length,
    aborted: history.filter((t) => t.type === 'fail').length,
    serializationFailures: engine.stats.serializationFailures,
    deadlocks: engine.stats.deadlocks,
    lockWaits: engine.stats.lockWaits,
    xidsAssigned: engine.stats.xidsAssigned,
    ssiConflicts: engine.ssi.conflictsFlagged,
  };
}

function nodes(run: MvccRun): LiveNodeView[] {
  const { world } = run;
  return world.nodeIds().map((id): LiveNodeView => {
    const up = world.isUp(id);
    if (id === DB && up) {
      const engine = run.cluster.server().engine;
      return {
        id,
        up,
        paused: world.isPaused(id),
        role: 'database',
        facts: {
          transactions: engine.transactions().length,
          waiting: engine.waitForGraph().length,
          'next xid': engine.nextTransactionId(),
          commits: engine.stats.commits,
          aborts: engine.stats.aborts,
        },
      };
    }
    return {
      id,
      up,
      paused: up && world.isPaused(id),
      role: 'session',
      facts: up
        ? { statements: run.cluster.client(id).log.length, busy: run.cluster.client(id).busy ? 1 : 0 }
        : {},
    };
  });
}

const levelOfMutant: Record<MvccMutant, IsolationLevel> = {
  'no-first-updater-wins': 'repeatable read',
  'ssi-no-rw-tracking': 'serializable',
  'dirty-snapshot': 'read committed',
};

const LEVELS: readonly IsolationLevel[] = ['read committed', 'repeatable read', 'serializable'];

export const mvccSimulation: SimulationSpec<MvccParams, MvccRun> = {
  systemId: 'mvcc',
  build,
  durationMs: (params) => params.durationMs + 2_000,
  metrics,
  nodes,
  detail: (run) =>
    run.world.isUp(DB)
      ? mvccDetail(run.cluster.server().engine, [LISTS], run.world.now())
      : downDetail(run.world.now()),
  liveChecks: (run) => ({
    'no deadlock left waiting': run.cluster
      .server()
      .engine.waitForGraph()
      .some((e) => run.world.now() - e.since > 60_000)
      ? 'a statement has waited over a minute'
      : undefined,
  }),
  fuzz: {
    mutants: [
      {
        name: 'no-first-updater-wins',
        breaks:
          'REPEATABLE READ lets the second updater of a row overwrite it with what its snapshot saw (lost update)',
        seed: 0,
        caughtBy: 'transactional-anomalies',
      },
      {
        name: 'ssi-no-rw-tracking',
        breaks:
          'SERIALIZABLE takes no SIREAD locks and records no rw-antidependencies: it is only snapshot isolation',
        seed: 0,
        caughtBy: 'transactional-anomalies',
      },
      {
        name: 'dirty-snapshot',
        breaks: 'snapshots see the writes of transactions still in progress (dirty reads)',
        seed: 0,
        caughtBy: 'transactional-anomalies',
      },
    ],
    params: (seed, mutant) =>
      mvccParams.parse({
        sessions: 4,
        keys: 3,
        opsPerTxn: 3,
        durationMs: 1_000,
        level: mutant ? levelOfMutant[mutant as MvccMutant] : LEVELS[seed % LEVELS.length],
        ...(mutant ? { mutant } : {}),
      }),
    nemesis: ({ world, cluster }, seed, params) =>
      standardNemesis(world, seed, [DB, ...cluster.clients], {
        startMs: 100,
        endMs: params.durationMs - 100,
        meanIntervalMs: 200,
        maxDurationMs: 300,
        families: ['partition', 'pause', 'link', 'crash'],
      }),
    drive: (run, params) => {
      const finished = run.world.runUntilCondition(() => run.running() === 0, params.durationMs + 60_000);
      return finished
        ? undefined
        : `${run.running()} sessions still running a minute after the workload ended`;
    },
    finalChecks: [
      {
        name: 'transactional-anomalies',
        check: (run) => {
          const result = checkListAppend(run.recorder, run.level);
          if (result.valid) return undefined;
          const first = result.anomalies.find((a) => result.forbidden.includes(a.type));
          return `${result.forbidden.join(', ')} at ${run.level} (${result.stats.committed} committed transactions)${first ? `: ${first.why}` : ''}`;
        },
      },
    ],
  },
};

export const mvccSystem: SystemDefinition<MvccParams> = {
  id: 'mvcc',
  title: 'MVCC, isolation levels, locks and deadlocks (PostgreSQL’s design)',
  rows: ['E3', 'E4'],
  summary:
    'An MVCC engine after PostgreSQL: heap tuples with xmin/xmax and update chains, a commit log and snapshots; READ COMMITTED with a snapshot per statement and EvalPlanQual re-checks, REPEATABLE READ as snapshot isolation (first updater wins), SERIALIZABLE as SSI; row locks with NOWAIT, SKIP LOCKED and lock_timeout, a wait-for graph with deadlock detection, advisory locks, VACUUM and xid wraparound. Sessions are simulated clients; the Hermitage anomaly tests give the same records here as on a real PostgreSQL 15.',
  params: mvccParams,
  scenarios: mvccScenarios,
  ...simulatedSystem(mvccSimulation),
  view: 'mvcc',
};

export { mvccMutants as mutants };
export type { MvccMutant };

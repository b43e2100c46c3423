/**
 * The anomaly suite against real PostgreSQL 15 and against the engine, at READ COMMITTED, REPEATABLE
 * READ and SERIALIZABLE: the two records (rows, blocking and what unblocked it, SQLSTATEs, final table)
 * must be identical for every test. Skips with a message when PostgreSQL is not installed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { usePostgres } from '@dslab/runtime/testing';
import { anomalyTests, TESTED_LEVELS } from './anomalies';
import { EngineTarget, runAnomalyTest } from './driver';
import { allExperiments } from './experiments';
import { documentedOutcomes, summarize } from './outcomes';
import { PostgresTarget } from './test-support/postgres-target';

const postgres = usePostgres({ settings: { autovacuum: 'off', deadlock_timeout: '200ms' } });

describe.skipIf(postgres.missing !== undefined)('anomaly suite: engine and PostgreSQL 15 agree', () => {
  const target = new PostgresTarget(() => postgres.connect());
  afterAll(() => target.close());

  for (const test of anomalyTests)
    for (const level of TESTED_LEVELS)
      it(`${test.id} at ${level}`, async () => {
        const real = await runAnomalyTest(target, test, level);
        const ours = await runAnomalyTest(new EngineTarget(), test, level);
        expect(ours).toEqual(real);
        // The outcomes the engine's scenario compares against are PostgreSQL's.
        expect(summarize(real)).toBe(documentedOutcomes[test.id]?.[level]);
      });
});

describe.skipIf(postgres.missing !== undefined)('claim experiments: engine and PostgreSQL 15 agree', () => {
  const target = new PostgresTarget(() => postgres.connect());
  afterAll(() => target.close());

  for (const experiment of allExperiments)
    for (const level of experiment.levels)
      it(`${experiment.id} at ${level}`, async () => {
        const real = await runAnomalyTest(target, experiment, level);
        const ours = await runAnomalyTest(
          new EngineTarget({ deadlockTimeoutMs: experiment.deadlockTimeoutMs ?? 200 }),
          experiment,
          level,
        );
        expect(ours).toEqual(real);
      });
});

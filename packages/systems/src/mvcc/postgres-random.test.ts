/**
 * Differential testing against PostgreSQL 15: random interleavings of two sessions on the `test` table
 * (reads, locking reads, updates by key and by predicate, deletes, inserts, counts; commit or rollback)
 * at READ COMMITTED, REPEATABLE READ and SERIALIZABLE must give identical records on both. Scripts
 * that deadlock or leave a session blocked on the engine are skipped (their timing is not scripted).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { usePostgres } from '@dslab/runtime/testing';
import { TESTED_LEVELS } from './anomalies';
import { EngineTarget, runAnomalyTest } from './driver';
import { randomScript } from './random-scripts';
import { PostgresTarget } from './test-support/postgres-target';

const postgres = usePostgres({ settings: { autovacuum: 'off' } });
const SEEDS = 20;
/** Three-session scripts: a few, since three waiters on one row may be released in either order. */
const SEEDS_THREE = 8;

describe.skipIf(postgres.missing !== undefined)(
  'random interleavings: engine and PostgreSQL 15 agree',
  () => {
    const target = new PostgresTarget(() => postgres.connect());
    afterAll(() => target.close());

    it(`${SEEDS} random scripts at three levels`, async () => {
      let compared = 0;
      for (let seed = 0; seed < SEEDS; seed++) {
        const script = randomScript(seed);
        for (const level of TESTED_LEVELS) {
          const ours = await runAnomalyTest(new EngineTarget({ deadlockTimeoutMs: 100_000 }), script, level);
          const stuck = ours.steps.some(
            (s) =>
              s.error === 'session still blocked' || s.error === 'never completed' || s.error === '40P01',
          );
          if (stuck) continue;
          const real = await runAnomalyTest(target, script, level);
          expect(ours, `seed ${seed} at ${level}`).toEqual(real);
          compared++;
        }
      }
      console.log(`${compared} random script runs compared with PostgreSQL 15, all identical`);
      expect(compared).toBeGreaterThan(SEEDS);
    }, 300_000);

    it(`${SEEDS_THREE} random three-session scripts at three levels`, async () => {
      let compared = 0;
      for (let seed = 0; seed < SEEDS_THREE; seed++) {
        const script = randomScript(seed, 3);
        for (const level of TESTED_LEVELS) {
          const ours = await runAnomalyTest(new EngineTarget({ deadlockTimeoutMs: 100_000 }), script, level);
          const stuck = ours.steps.some(
            (s) =>
              s.error === 'session still blocked' || s.error === 'never completed' || s.error === '40P01',
          );
          if (stuck) continue;
          const real = await runAnomalyTest(target, script, level);
          expect(ours, `seed ${seed} at ${level}`).toEqual(real);
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(SEEDS_THREE);
    }, 300_000);
  },
);

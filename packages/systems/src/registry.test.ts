/**
 * Walks the registry: every system, whatever it is, must reproduce its scenarios' verdicts, and every
 * fuzzable system must be clean on 20 seeds, replay exactly, and have each mutant caught by the check it
 * names on its pinned seed. A system added later is covered here without editing this file.
 */
import { catchViolation } from '@dslab/sim';
import { describe, expect, it } from 'vitest';
import { catalogRow } from './catalog';
import { systems } from './registry';

const CLEAN_SEEDS = 20;

describe.each(systems.map((system) => [system.id, system] as const))('%s', (_id, system) => {
  it('names catalog rows that exist, and each scenario belongs to one of them', () => {
    expect(system.rows.length).toBeGreaterThan(0);
    for (const row of system.rows) expect(catalogRow(row).status).not.toBe('planned');
    for (const scenario of system.scenarios)
      for (const row of scenario.rows) expect(() => catalogRow(row)).not.toThrow();
  });

  it.each(system.scenarios.map((scenario) => [scenario.id, scenario] as const))(
    'scenario %s gives its expected verdict in quick mode, with measured figures',
    async (_scenarioId, scenario) => {
      const result = await scenario.run({ seed: 1, quick: true });
      expect(result.observed, `${scenario.id}: ${result.summary}`).toBe(scenario.expected);
      expect(Object.keys(result.measurements).length).toBeGreaterThan(0);
      if (scenario.expected !== 'holds') expect(scenario.corrected ?? '').not.toBe('');
    },
  );

  const fuzz = system.fuzz;
  if (fuzz) {
    it(`is clean on ${CLEAN_SEEDS} fuzz seeds, and a replayed seed gives the same trace`, () => {
      const failures: string[] = [];
      const hashes: string[] = [];
      for (let seed = 0; seed < CLEAN_SEEDS; seed++) {
        const outcome = fuzz.run(seed);
        hashes.push(outcome.traceHash);
        if (!outcome.ok) failures.push(`seed ${seed}: ${outcome.failure}`);
      }
      expect(failures).toEqual([]);
      expect(fuzz.run(7).traceHash).toBe(hashes[7]);
      // Seeds must matter: twenty identical traces would mean the seed reaches nothing.
      expect(new Set(hashes).size).toBeGreaterThan(CLEAN_SEEDS / 2);
    });

    it('pins a seed for every mutant', () => {
      expect(fuzz.pinned.map((m) => m.name).sort()).toEqual([...fuzz.mutants].sort());
    });

    it.each(fuzz.pinned.map((mutant) => [mutant.name, mutant] as const))(
      'mutant %s is caught on its pinned seed by the check it names, and the correct system passes that seed',
      (_name, mutant) => {
        const broken = fuzz.run(mutant.seed, { mutant: mutant.name });
        expect(broken.ok, `${mutant.name} (${mutant.breaks}) was not caught`).toBe(false);
        expect(broken.check, broken.failure).toBe(mutant.caughtBy);
        const correct = fuzz.run(mutant.seed);
        expect(correct.ok, correct.failure).toBe(true);
      },
    );

    it('rejects an unknown mutant by name', () => {
      expect(() => fuzz.run(0, { mutant: 'no-such-mutant' })).toThrow(/unknown mutant 'no-such-mutant'/);
    });
  }

  const live = system.live;
  if (live) {
    it('a live run draws: node cards, and the detail its view kind draws', () => {
      const run = live(system.params.parse({}), 1);
      const violation = catchViolation(() => run.world.runFor(500));
      expect(violation?.message).toBeUndefined();
      const view = run.view();
      expect(view.nodes.length).toBeGreaterThan(0);
      if (view.detail !== undefined) expect(view.detail.kind).toBe(system.view);
    });
  }
});

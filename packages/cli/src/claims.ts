/** Runs scenarios and compares each observed verdict with the expected one (`dslab claims`). */
import type { SystemDefinition, Verdict } from '@dslab/systems';

export interface ClaimOutcome {
  readonly system: string;
  readonly scenario: string;
  readonly claim: string;
  readonly expected: Verdict;
  readonly observed: Verdict;
  readonly agrees: boolean;
  readonly summary: string;
  readonly measurements: Readonly<Record<string, number>>;
  readonly seconds: number;
}

export async function evaluateClaims(
  systems: readonly SystemDefinition<unknown>[],
  options: {
    seed: number;
    quick: boolean;
    /** Run only the scenarios this accepts (a shard); all by default. */
    only?: (system: string, scenario: string) => boolean;
    onStart?: (system: string, scenario: string) => void;
  },
): Promise<ClaimOutcome[]> {
  const outcomes: ClaimOutcome[] = [];
  for (const system of systems) {
    for (const scenario of system.scenarios) {
      if (options.only && !options.only(system.id, scenario.id)) continue;
      options.onStart?.(system.id, scenario.id);
      const started = performance.now();
      const result = await scenario.run({ seed: options.seed, quick: options.quick });
      outcomes.push({
        system: system.id,
        scenario: scenario.id,
        claim: scenario.claim,
        expected: scenario.expected,
        observed: result.observed,
        agrees: result.observed === scenario.expected,
        summary: result.summary,
        measurements: result.measurements,
        seconds: (performance.now() - started) / 1000,
      });
    }
  }
  return outcomes;
}

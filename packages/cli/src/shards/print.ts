/** How fuzz and claims summaries print, the same for one run and for merged shards. */
import type { ClaimOutcome } from '../claims';
import { renderTable } from '../format';

export interface FuzzSummaryLike {
  readonly system: string;
  readonly mutant: string | null;
  readonly seeds: number;
  readonly failures: readonly { readonly seed: number; readonly failure: string }[];
  readonly seconds: number;
}

export function printFuzzSummary(summary: FuzzSummaryLike, workers?: number): void {
  const mutantFlag = summary.mutant !== null ? ` --mutant ${summary.mutant}` : '';
  for (const failure of summary.failures) {
    console.log(`FAIL seed ${failure.seed}: ${failure.failure.split('\n')[0]}`);
    console.log(`     replay: dslab replay ${summary.system} --seed ${failure.seed}${mutantFlag}`);
  }
  const rate =
    summary.seconds > 0 ? ` (${((summary.seeds / summary.seconds) * 60).toFixed(0)} seeds/min` : ' (';
  console.log(
    `${summary.system}${mutantFlag}: ${summary.seeds} seeds, ${summary.failures.length} failing, ${summary.seconds.toFixed(1)} s` +
      `${rate}${workers !== undefined ? `, ${workers} workers` : ''})`,
  );
}

export function printClaims(outcomes: readonly ClaimOutcome[]): number {
  let differing = 0;
  for (const outcome of outcomes) if (!outcome.agrees) differing++;
  const rows = outcomes.map((o) => [
    `${o.system}/${o.scenario}`,
    o.expected,
    o.observed,
    o.agrees ? '✓' : '✗ DIFFERS',
    o.seconds.toFixed(1),
    o.summary,
  ]);
  console.log(renderTable({ columns: ['scenario', 'expected', 'observed', '', 's', 'measured'], rows }));
  console.log(
    `\n${outcomes.length} claims, ${outcomes.length - differing} as expected, ${differing} differing`,
  );
  return differing;
}

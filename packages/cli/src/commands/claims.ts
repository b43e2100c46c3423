import type { Command } from 'commander';
import { systems } from '@dslab/systems';
import { parseCount } from '../options';
import { renderTable } from '../format';
import { requireSystem } from '../registry';
import { EXIT_INVALID, EXIT_VALID } from '../errors';

export function registerClaimsCommand(program: Command): void {
  program
    .command('claims')
    .description(
      'run every scenario of every system; print expected against observed; exit 1 on any difference',
    )
    .option('--system <id>', 'only this system')
    .option('--seed <n>', 'seed for every scenario', parseCount, 1)
    .option('--quick', 'smaller sweeps (what the tests run)')
    .option('--json', 'print JSON')
    .action(async (options: { system?: string; seed: number; quick?: boolean; json?: boolean }) => {
      const chosen = options.system !== undefined ? [requireSystem(options.system)] : systems;
      const rows: (string | number)[][] = [];
      const results = [];
      for (const system of chosen) {
        for (const scenario of system.scenarios) {
          if (!options.json) process.stderr.write(`running ${system.id} / ${scenario.id}…\n`);
          const started = performance.now();
          const result = await scenario.run({ seed: options.seed, quick: options.quick ?? false });
          const seconds = (performance.now() - started) / 1000;
          const agrees = result.observed === scenario.expected;
          results.push({
            system: system.id,
            scenario: scenario.id,
            claim: scenario.claim,
            expected: scenario.expected,
            observed: result.observed,
            agrees,
            summary: result.summary,
            measurements: result.measurements,
          });
          rows.push([
            `${system.id}/${scenario.id}`,
            scenario.expected,
            result.observed,
            agrees ? '✓' : '✗ DIFFERS',
            seconds.toFixed(1),
            result.summary,
          ]);
        }
      }
      const differing = results.filter((r) => !r.agrees).length;
      if (options.json) console.log(JSON.stringify({ seed: options.seed, differing, results }, null, 2));
      else {
        console.log(
          renderTable({ columns: ['scenario', 'expected', 'observed', '', 's', 'measured'], rows }),
        );
        console.log(
          `\n${results.length} claims, ${results.length - differing} as expected, ${differing} differing`,
        );
      }
      process.exitCode = differing === 0 ? EXIT_VALID : EXIT_INVALID;
    });
}

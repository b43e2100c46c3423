import type { Command } from 'commander';
import { systems } from '@dslab/systems';
import { parseCount } from '../options';
import { renderTable } from '../format';
import { requireSystem } from '../registry';
import { evaluateClaims } from '../claims';
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
      const outcomes = await evaluateClaims(chosen, {
        seed: options.seed,
        quick: options.quick ?? false,
        onStart: (system, scenario) => {
          if (!options.json) process.stderr.write(`running ${system} / ${scenario}…\n`);
        },
      });
      const differing = outcomes.filter((o) => !o.agrees).length;
      if (options.json) console.log(JSON.stringify({ seed: options.seed, differing, outcomes }, null, 2));
      else {
        const rows = outcomes.map((o) => [
          `${o.system}/${o.scenario}`,
          o.expected,
          o.observed,
          o.agrees ? '✓' : '✗ DIFFERS',
          o.seconds.toFixed(1),
          o.summary,
        ]);
        console.log(
          renderTable({ columns: ['scenario', 'expected', 'observed', '', 's', 'measured'], rows }),
        );
        console.log(
          `\n${outcomes.length} claims, ${outcomes.length - differing} as expected, ${differing} differing`,
        );
      }
      process.exitCode = differing === 0 ? EXIT_VALID : EXIT_INVALID;
    });
}

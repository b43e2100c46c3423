import type { Command } from 'commander';
import { systems } from '@dslab/systems';
import { parseCount } from '../options';
import { requireSystem } from '../registry';
import { evaluateClaims } from '../claims';
import { EXIT_INVALID, EXIT_VALID } from '../errors';
import { WHOLE, parseShard, takeShard, type Shard } from '../shards/shard';
import type { ClaimsShardFile } from '../shards/files';
import { writeShardFile } from '../shards/write';
import { printClaims } from '../shards/print';

interface ClaimsCliOptions {
  system?: string;
  seed: number;
  quick?: boolean;
  json?: boolean;
  shard?: Shard;
  out?: string;
}

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
    .option('--shard <i/n>', 'run only the i-th of n deterministic slices of the scenarios', parseShard)
    .option('--out <file>', 'also write the outcomes as JSON to this file (for dslab merge)')
    .action(async (options: ClaimsCliOptions) => {
      const chosen = options.system !== undefined ? [requireSystem(options.system)] : systems;
      const all = chosen.flatMap((system) =>
        system.scenarios.map((scenario) => `${system.id}/${scenario.id}`),
      );
      const shard = options.shard ?? WHOLE;
      const mine = new Set(takeShard(all, shard));
      const outcomes = await evaluateClaims(chosen, {
        seed: options.seed,
        quick: options.quick ?? false,
        only: (system, scenario) => mine.has(`${system}/${scenario}`),
        onStart: (system, scenario) => {
          if (!options.json) process.stderr.write(`running ${system} / ${scenario}…\n`);
        },
      });
      const file: ClaimsShardFile = {
        kind: 'claims',
        seed: options.seed,
        quick: options.quick ?? false,
        all,
        shard,
        outcomes,
      };
      if (options.out !== undefined) writeShardFile(options.out, file);
      let differing = 0;
      for (const outcome of outcomes) if (!outcome.agrees) differing++;
      if (options.json)
        console.log(JSON.stringify({ seed: options.seed, shard, differing, outcomes }, null, 2));
      else printClaims(outcomes);
      process.exitCode = differing === 0 ? EXIT_VALID : EXIT_INVALID;
    });
}

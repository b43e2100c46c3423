import type { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { SingleBar, Presets } from 'cli-progress';
import { parseCount, parsePositiveCount } from '../options';
import { requireFuzz, requireSystem } from '../registry';
import { runFuzzPool } from '../fuzz/pool';
import { EXIT_INVALID, EXIT_VALID } from '../errors';

interface FuzzCliOptions {
  seeds: number;
  start: number;
  mutant?: string;
  workers: number;
  stopOnFirst?: boolean;
  json?: boolean;
}

export function registerFuzzCommand(program: Command): void {
  program
    .command('fuzz')
    .description(
      'run many seeds with random faults on all cores; print every failing seed and how to replay it',
    )
    .argument('<system>', 'system id')
    .option('--seeds <n>', 'how many seeds', parsePositiveCount, 100)
    .option('--start <n>', 'first seed', parseCount, 0)
    .option('--mutant <name>', 'fuzz a deliberately broken variant (the fuzzer must catch it)')
    .option('--workers <n>', 'worker threads', parsePositiveCount, availableParallelism())
    .option('--stop-on-first', 'stop at the first failing seed')
    .option('--json', 'print the summary as JSON')
    .action(async (systemId: string, options: FuzzCliOptions) => {
      const system = requireSystem(systemId);
      requireFuzz(system, options.mutant);
      const seeds = Array.from({ length: options.seeds }, (_, i) => options.start + i);
      const interactive = process.stderr.isTTY === true && !options.json;
      const bar = new SingleBar(
        {
          format: `fuzz ${system.id} [{bar}] {value}/{total} seeds | {failures} failing | {eta_formatted} left`,
          stream: process.stderr,
          hideCursor: true,
        },
        Presets.shades_classic,
      );
      if (interactive) bar.start(seeds.length, 0, { failures: 0 });
      let failing = 0;
      let lastPrinted = 0;
      const started = performance.now();
      const { failures, done, events } = await runFuzzPool({
        systemId: system.id,
        ...(options.mutant !== undefined ? { mutant: options.mutant } : {}),
        seeds,
        workers: options.workers,
        stopOnFirst: options.stopOnFirst ?? false,
        onOutcome: (count, failure) => {
          if (failure) failing++;
          if (interactive) bar.update(count, { failures: failing });
          else if (!options.json && count - lastPrinted >= Math.max(1, Math.ceil(seeds.length / 10))) {
            lastPrinted = count;
            process.stderr.write(`fuzz ${system.id}: ${count}/${seeds.length} seeds, ${failing} failing\n`);
          }
        },
      });
      if (interactive) bar.stop();
      const seconds = (performance.now() - started) / 1000;
      const mutantFlag = options.mutant !== undefined ? ` --mutant ${options.mutant}` : '';
      if (options.json) {
        console.log(
          JSON.stringify(
            {
              system: system.id,
              mutant: options.mutant ?? null,
              seeds: done,
              failures,
              seconds,
              seedsPerMinute: (done / seconds) * 60,
              events,
            },
            null,
            2,
          ),
        );
      } else {
        for (const failure of failures) {
          console.log(`FAIL seed ${failure.seed}: ${failure.failure.split('\n')[0]}`);
          console.log(`     replay: dslab replay ${system.id} --seed ${failure.seed}${mutantFlag}`);
        }
        console.log(
          `${system.id}${mutantFlag}: ${done} seeds, ${failures.length} failing, ${seconds.toFixed(1)} s (${((done / seconds) * 60).toFixed(0)} seeds/min, ${options.workers} workers)`,
        );
      }
      process.exitCode = failures.length === 0 ? EXIT_VALID : EXIT_INVALID;
    });
}

import type { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { SingleBar, Presets } from 'cli-progress';
import { parseCount, parsePositiveCount } from '../options';
import { requireFuzz, requireSystem } from '../registry';
import { runFuzzPool } from '../fuzz/pool';
import { EXIT_INVALID, EXIT_VALID } from '../errors';
import { WHOLE, parseShard, takeShard, type Shard } from '../shards/shard';
import type { FuzzShardFile } from '../shards/files';
import { writeShardFile } from '../shards/write';
import { printFuzzSummary } from '../shards/print';

interface FuzzCliOptions {
  seeds: number;
  start: number;
  mutant?: string;
  workers: number;
  stopOnFirst?: boolean;
  json?: boolean;
  shard?: Shard;
  out?: string;
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
    .option(
      '--shard <i/n>',
      'run only the i-th of n deterministic slices of the seeds (for many machines)',
      parseShard,
    )
    .option('--out <file>', 'also write the summary as JSON to this file (for dslab merge)')
    .action(async (systemId: string, options: FuzzCliOptions) => {
      const system = requireSystem(systemId);
      requireFuzz(system, options.mutant);
      const shard = options.shard ?? WHOLE;
      const seeds = takeShard(
        Array.from({ length: options.seeds }, (_, i) => options.start + i),
        shard,
      );
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
      const summary: FuzzShardFile = {
        kind: 'fuzz',
        system: system.id,
        mutant: options.mutant ?? null,
        start: options.start,
        total: options.seeds,
        shard,
        seeds: done,
        stoppedEarly: done < seeds.length,
        failures,
        events,
        seconds: (performance.now() - started) / 1000,
      };
      if (options.out !== undefined) writeShardFile(options.out, summary);
      if (options.json)
        console.log(JSON.stringify({ ...summary, seedsPerMinute: (done / summary.seconds) * 60 }, null, 2));
      else printFuzzSummary(summary, options.workers);
      process.exitCode = failures.length === 0 ? EXIT_VALID : EXIT_INVALID;
    });
}

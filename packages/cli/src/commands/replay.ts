import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { TRACE_SCHEMA_VERSION } from '@dslab/sim';
import { parseCount } from '../options';
import { requireFuzz, requireSystem } from '../registry';
import { EXIT_INVALID, EXIT_VALID } from '../errors';

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('re-run one fuzz seed exactly (same trace hash), optionally writing its trace as JSON lines')
    .argument('<system>', 'system id')
    .requiredOption('--seed <n>', 'the seed to replay', parseCount)
    .option('--mutant <name>', 'replay against a deliberately broken variant')
    .option('--trace <file>', 'write every trace event to this file (JSON lines)')
    .action((systemId: string, options: { seed: number; mutant?: string; trace?: string }) => {
      const system = requireSystem(systemId);
      const fuzz = requireFuzz(system, options.mutant);
      const outcome = fuzz.run(options.seed, {
        recordTrace: options.trace !== undefined,
        ...(options.mutant !== undefined ? { mutant: options.mutant } : {}),
      });
      console.log(
        `${system.id} seed ${outcome.seed}${options.mutant ? ` (mutant ${options.mutant})` : ''}: ${outcome.ok ? 'ok' : 'VIOLATION'}`,
      );
      console.log(
        `trace ${outcome.traceHash}, ${outcome.events.toLocaleString('en-US')} events, ${(outcome.virtualMs / 1000).toFixed(3)} virtual s`,
      );
      if (outcome.failure) console.log(outcome.failure);
      if (options.trace !== undefined) {
        const header = JSON.stringify({
          schema: TRACE_SCHEMA_VERSION,
          system: system.id,
          seed: outcome.seed,
          mutant: options.mutant ?? null,
          traceHash: outcome.traceHash,
        });
        const lines = (outcome.trace ?? []).map((event) => JSON.stringify(event));
        writeFileSync(options.trace, [header, ...lines].join('\n') + '\n');
        console.log(`wrote ${lines.length.toLocaleString('en-US')} events to ${options.trace}`);
      }
      process.exitCode = outcome.ok ? EXIT_VALID : EXIT_INVALID;
    });
}

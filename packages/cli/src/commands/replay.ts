import type { Command } from 'commander';
import { closeSync, openSync, writeSync } from 'node:fs';
import { TRACE_SCHEMA_VERSION, type TraceEvent } from '@dslab/sim';

import { parseCount } from '../options';
import { requireFuzz, requireSystem } from '../registry';
import { CliError, EXIT_INVALID, EXIT_VALID } from '../errors';

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
      if (outcome.failure)
        console.log(outcome.check ? `[${outcome.check}] ${outcome.failure}` : outcome.failure);
      if (options.trace !== undefined) {
        const header = JSON.stringify({
          schema: TRACE_SCHEMA_VERSION,
          system: system.id,
          seed: outcome.seed,
          mutant: options.mutant ?? null,
          traceHash: outcome.traceHash,
        });
        const written = writeTrace(options.trace, header, outcome.trace ?? []);
        console.log(`wrote ${written.toLocaleString('en-US')} events to ${options.trace}`);
      }
      process.exitCode = outcome.ok ? EXIT_VALID : EXIT_INVALID;
    });
}

/**
 * Streams the trace as JSON lines, a few thousand events per write: a long run has millions of events,
 * more than one string (or one spread) can hold.
 */
function writeTrace(path: string, header: string, events: readonly TraceEvent[]): number {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${(error as Error).message}`);
  }
  try {
    writeSync(fd, header + '\n');
    const chunk: string[] = [];
    for (const event of events) {
      chunk.push(JSON.stringify(event));
      if (chunk.length === 4_096) {
        writeSync(fd, chunk.join('\n') + '\n');
        chunk.length = 0;
      }
    }
    if (chunk.length > 0) writeSync(fd, chunk.join('\n') + '\n');
  } finally {
    closeSync(fd);
  }
  return events.length;
}

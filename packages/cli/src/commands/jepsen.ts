import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { nemesisKinds, renderJepsenHtml, runJepsen, type NemesisKind } from '@dslab/runtime';
import { renderHistoryHtml } from '@dslab/check';
import { parsePositiveCount } from '../options';
import { requireSystem } from '../registry';
import { CliError, EXIT_INVALID, EXIT_VALID } from '../errors';
import { selfCommand } from './cluster';

interface JepsenCliOptions {
  nodes: number;
  time: number;
  clients: number;
  nemesis: NemesisKind[];
  out: string;
  json?: boolean;
}

/** `60s`, `2m`, `1500ms` or a plain number of seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new CliError(`expected a duration like 60s, 2m or 1500ms, got '${text}'`);
  const value = Number(match[1]);
  const ms = match[2] === 'ms' ? value : match[2] === 'm' ? value * 60_000 : value * 1_000;
  if (ms < 1_000 || ms > 3_600_000) throw new CliError(`--time must be between 1s and 60m, got '${text}'`);
  return ms;
}

export function parseNemesis(text: string): NemesisKind[] {
  const kinds = text
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  for (const kind of kinds) {
    if (kind !== 'none' && !(nemesisKinds as readonly string[]).includes(kind)) {
      throw new CliError(`unknown nemesis '${kind}' (known: ${nemesisKinds.join(', ')}, none)`);
    }
  }
  return kinds.filter((k): k is NemesisKind => k !== 'none');
}

export function registerJepsenCommand(program: Command): void {
  program
    .command('jepsen')
    .description(
      'test a real cluster Jepsen-style: clients, kill -9 / SIGSTOP / partitions, then the checker',
    )
    .argument('<system>', 'system id (a KV system: raft)')
    .option('--nodes <n>', 'node processes', parsePositiveCount, 3)
    .option('--time <duration>', 'how long the clients and the nemesis run (60s, 2m…)', parseDuration, 60_000)
    .option('--clients <n>', 'concurrent clients', parsePositiveCount, 10)
    .option('--nemesis <list>', 'faults: kill,pause,partition or none', parseNemesis, [...nemesisKinds])
    .option('--out <dir>', 'where report.json, report.html and history.html go', 'jepsen-report')
    .option('--json', 'print the summary as JSON')
    .action(async (systemId: string, options: JepsenCliOptions) => {
      const system = requireSystem(systemId);
      if (!system.serve || system.clientProtocol !== 'kv')
        throw new CliError(`${system.id} has no real-mode KV cluster (try raft)`);
      if (options.nodes > 9) throw new CliError('--nodes must be at most 9');
      const interactive = process.stderr.isTTY === true && !options.json;
      const bar = new SingleBar(
        { format: `jepsen ${system.id} [{bar}] {percentage}% | {ops} operations`, stream: process.stderr },
        Presets.shades_classic,
      );
      if (interactive) bar.start(100, 0, { ops: 0 });
      const report = await runJepsen({
        command: selfCommand(),
        system: system.id,
        nodes: options.nodes,
        timeMs: options.time,
        clients: options.clients,
        nemesis: options.nemesis,
        progress: (fraction, ops) => {
          if (interactive) bar.update(Math.round(fraction * 100), { ops });
        },
      });
      if (interactive) bar.stop();
      mkdirSync(options.out, { recursive: true });
      const { history, check, ...summary } = report;
      writeFileSync(
        join(options.out, 'report.json'),
        JSON.stringify({ ...summary, check, history }, null, 2) + '\n',
      );
      writeFileSync(join(options.out, 'report.html'), renderJepsenHtml(report));
      writeFileSync(
        join(options.out, 'history.html'),
        renderHistoryHtml(`${system.id} jepsen history`, history, check),
      );
      if (options.json) console.log(JSON.stringify(summary, null, 2));
      else {
        console.log(
          `${system.id}: ${report.valid ? 'valid' : 'INVALID'} — ${report.verdict}, ${report.operations.total} operations (ok ${report.operations.ok}, fail ${report.operations.fail}, unknown ${report.operations.info})`,
        );
        console.log(
          `  ${report.faults.length} faults (${report.nemesis.join(', ') || 'none'}); ${report.throughputOkPerSecond.toFixed(0)} ok/s; latency p50 ${report.latencyMs.p50.toFixed(1)} ms, p99 ${report.latencyMs.p99.toFixed(1)} ms`,
        );
        console.log(
          `  lost acknowledged writes: ${report.lostAcknowledgedWrites}; final reads failed: ${report.finalReadsFailed}`,
        );
        console.log(`  report: ${join(options.out, 'report.html')}`);
      }
      process.exitCode = report.valid ? EXIT_VALID : EXIT_INVALID;
    });
}

import type { Command } from 'commander';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import {
  nemesisKinds,
  renderJepsenHtml,
  runJepsen,
  type JepsenReport,
  type NemesisKind,
} from '@dslab/runtime';
import { historyToJsonLines, renderHistoryHtml } from '@dslab/check';
import { parsePositiveCount } from '../options';
import { requireSystem } from '../registry';
import { CliError, EXIT_ERROR, EXIT_INVALID, EXIT_VALID } from '../errors';
import { selfCommand } from './cluster';
import { runJetStreamCommand } from './jepsen-jetstream';

interface JepsenCliOptions {
  nodes: number;
  time: number;
  clients: number;
  nemesis: NemesisKind[];
  out: string;
  json?: boolean;
  maxAckPending?: number;
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

/**
 * Writes a run's files: report.json (summary and check result), history.json (every operation as
 * events that `dslab check --model kv` reads back, streamed a line at a time), report.html (throughput,
 * latency and faults over time) and history.html (the checked history: aggregated, with a window of
 * operations drawn one by one). Sizes stay bounded by the pages' design, not by the history's length.
 */
export function writeJepsenReport(out: string, systemId: string, report: JepsenReport): void {
  mkdirSync(out, { recursive: true });
  const { history, check, ...summary } = report;
  writeFileSync(
    join(out, 'report.json'),
    JSON.stringify({ ...summary, check, history: 'history.json' }, null, 2) + '\n',
  );
  const fd = openSync(join(out, 'history.json'), 'w');
  try {
    let chunk = '';
    for (const line of historyToJsonLines(history)) {
      chunk += line;
      if (chunk.length >= 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  writeFileSync(join(out, 'report.html'), renderJepsenHtml(report));
  writeFileSync(
    join(out, 'history.html'),
    renderHistoryHtml(`${systemId} jepsen history`, history, check, { timeUnit: 'ms' }),
  );
}

export function registerJepsenCommand(program: Command): void {
  program
    .command('jepsen')
    .description(
      'test a real cluster Jepsen-style: clients, kill -9 / SIGSTOP / partitions, then the checker',
    )
    .argument('<system>', 'system id (a KV system: raft), or jetstream for real NATS JetStream')
    .option('--nodes <n>', 'node processes', parsePositiveCount, 3)
    .option(
      '--time <duration>',
      'how long the clients and the nemesis run (60s, 2m…); for jetstream, per fault kind',
      parseDuration,
      60_000,
    )
    .option('--clients <n>', 'concurrent clients', parsePositiveCount, 10)
    .option('--nemesis <list>', 'faults: kill,pause,partition or none', parseNemesis, [...nemesisKinds])
    .option(
      '--max-ack-pending <n>',
      "jetstream: the workers' shared consumer's max_ack_pending (1: one message at a time, delivery order per key judged)",
      parsePositiveCount,
    )
    .option(
      '--out <dir>',
      'where report.json, history.json, report.html and history.html go',
      'jepsen-report',
    )
    .option('--json', 'print the summary as JSON')
    .action(async (systemId: string, options: JepsenCliOptions) => {
      if (systemId === 'jetstream') {
        await runJetStreamCommand(options);
        return;
      }
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
      const { history: _history, check: _check, ...summary } = report;
      writeJepsenReport(options.out, system.id, report);
      // Undecided only when nothing else failed: a lost write or a failed final read is a verdict.
      const undecided =
        report.verdict === 'unknown' && report.lostAcknowledgedWrites === 0 && report.finalReadsFailed === 0;
      if (options.json) console.log(JSON.stringify(summary, null, 2));
      else {
        console.log(
          `${system.id}: ${report.valid ? 'valid' : undecided ? 'UNDECIDED (the checker ran out of search budget)' : 'INVALID'} — ${report.verdict}, ${report.operations.total} operations on ${report.keys} keys (ok ${report.operations.ok}, fail ${report.operations.fail}, unknown ${report.operations.info})`,
        );
        console.log(
          `  ${report.faults.length} faults (${report.nemesis.join(', ') || 'none'}); ${report.throughputOkPerSecond.toFixed(0)} ok/s; latency p50 ${report.latencyMs.p50.toFixed(1)} ms, p99 ${report.latencyMs.p99.toFixed(1)} ms`,
        );
        console.log(
          `  lost acknowledged writes: ${report.lostAcknowledgedWrites}; final reads failed: ${report.finalReadsFailed}`,
        );
        console.log(`  report: ${join(options.out, 'report.html')}`);
      }
      process.exitCode = report.valid ? EXIT_VALID : undecided ? EXIT_ERROR : EXIT_INVALID;
    });
}

// `dslab jepsen jetstream`: the log workload, the nemesis and the log checker against real NATS
// JetStream, one run per fault kind, each printed beside what the documentation promises.
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import {
  jetstreamMissing,
  jetstreamPromises,
  runJetStreamTest,
  type JetStreamReport,
  type NemesisKind,
} from '@dslab/runtime';
import { CliError, EXIT_INVALID, EXIT_VALID } from '../errors';

export interface JetStreamCliOptions {
  readonly time: number;
  readonly clients: number;
  readonly nemesis: readonly NemesisKind[];
  readonly out: string;
  readonly json?: boolean;
  /** The shared consumer's max_ack_pending (the harness's default when absent). */
  readonly maxAckPending?: number;
}

/** One JSON line per operation, streamed: a long run's history never sits in one string. */
function writeHistory(file: string, report: JetStreamReport): void {
  const fd = openSync(file, 'w');
  try {
    let chunk = '';
    for (const op of report.history) {
      chunk += JSON.stringify(op) + '\n';
      if (chunk.length >= 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

function printReport(report: JetStreamReport): void {
  const faults = report.faults.map((f) => f.detail).join('; ') || 'none';
  console.log(
    `\n${report.nemesis}: ${report.sends.ok} publishes acknowledged, ${report.sends.unknown} unknown, ${report.sends.fail} refused; ${report.okPerSecond} ok/s; publish p50 ${report.publishLatencyMs.p50} ms, p99 ${report.publishLatencyMs.p99} ms`,
  );
  console.log(`  faults: ${faults}`);
  for (const promise of jetstreamPromises) {
    const broken = promise.broken(report);
    const mark = broken === undefined ? 'n/a   ' : broken ? 'BROKEN' : 'kept  ';
    console.log(`  ${mark} ${promise.promise}\n         measured: ${promise.measured(report)}`);
  }
  for (const finding of report.check.findings.slice(0, 5))
    console.log(`  ${finding.kind}: ${finding.message}`);
}

export async function runJetStreamCommand(options: JetStreamCliOptions): Promise<void> {
  const missing = jetstreamMissing();
  if (missing !== undefined) throw new CliError(missing);
  const kinds: (NemesisKind | 'none')[] = options.nemesis.length > 0 ? [...options.nemesis] : ['none'];
  const interactive = process.stderr.isTTY === true && !options.json;
  mkdirSync(options.out, { recursive: true });
  const summaries: Record<string, unknown>[] = [];
  let broken = false;
  for (const nemesis of kinds) {
    const bar = new SingleBar(
      { format: `jetstream ${nemesis} [{bar}] {percentage}% | {ops} operations`, stream: process.stderr },
      Presets.shades_classic,
    );
    if (interactive) bar.start(100, 0, { ops: 0 });
    const report = await runJetStreamTest({
      timeMs: options.time,
      nemesis,
      producers: Math.max(1, Math.ceil(options.clients / 2)),
      workers: Math.max(1, Math.floor(options.clients / 2)),
      ...(options.maxAckPending !== undefined ? { maxAckPending: options.maxAckPending } : {}),
      progress: (fraction, ops) => {
        if (interactive) bar.update(Math.round(fraction * 100), { ops });
      },
    });
    if (interactive) bar.stop();
    writeHistory(join(options.out, `history-${nemesis}.jsonl`), report);
    const { history: _history, check, ...summary } = report;
    const promises = jetstreamPromises.map((p) => ({
      promise: p.promise,
      measured: p.measured(report),
      broken: p.broken(report),
    }));
    broken ||= promises.some((p) => p.broken === true) || !check.valid;
    summaries.push({
      ...summary,
      counts: check.counts,
      stats: check.stats,
      findings: check.findings,
      promises,
    });
    if (!options.json) printReport(report);
  }
  writeFileSync(
    join(options.out, 'report.json'),
    JSON.stringify({ system: 'jetstream', runs: summaries }, null, 2) + '\n',
  );
  if (options.json) console.log(JSON.stringify(summaries, null, 2));
  else
    console.log(
      `\nreport: ${join(options.out, 'report.json')} (histories: history-<fault>.jsonl, one operation per line in the log checker's format)`,
    );
  process.exitCode = broken ? EXIT_INVALID : EXIT_VALID;
}

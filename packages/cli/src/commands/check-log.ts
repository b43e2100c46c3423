/**
 * `dslab check --model log`: the log checker on a history of sends, polls, commits and acks (JSON
 * lines, or one JSON array), as `dslab jepsen jetstream` writes them and as any Kafka or JetStream client can
 * record them (the format: packages/check/src/log/README.md). Exit 0 with no findings, 1 with them,
 * 2 when the input cannot be read.
 */
import { LogHistoryError, checkLog, validateLogHistory, type LogCheckResult } from '@dslab/check';
import { EXIT_ERROR, EXIT_INVALID, EXIT_VALID } from '../errors';

export interface LogCheckCliOptions {
  /**
   * Consumers read every partition to its end (and shared consumers were drained): every acknowledged
   * send nobody read is lost, every record a shared consumer never delivered is undelivered.
   */
  readonly drained?: boolean;
  /** Topics whose records may disappear (compaction, retention). */
  readonly gapsAllowed?: readonly string[];
}

/** Findings printed per kind (all are counted). */
const SHOWN_PER_KIND = 3;

/** The operations in `text`: JSON lines (one operation each) or a single JSON array. */
function parseOperations(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed)) throw new Error('expected a JSON array of operations');
    return parsed;
  }
  const ops: unknown[] = [];
  let lineNumber = 0;
  for (const line of text.split('\n')) {
    lineNumber++;
    if (line.trim() === '') continue;
    try {
      ops.push(JSON.parse(line));
    } catch {
      throw new Error(`line ${lineNumber} is not JSON: ${line.slice(0, 80)}`);
    }
  }
  return ops;
}

export function runLogCheck(
  text: string,
  options: LogCheckCliOptions = {},
): { exitCode: 0 | 1 | 2; output: string; result?: LogCheckResult } {
  let result: LogCheckResult;
  try {
    const history = validateLogHistory(parseOperations(text));
    result = checkLog(history, {
      ...(options.drained ? { drained: true } : {}),
      ...(options.gapsAllowed ? { gapsAllowed: options.gapsAllowed } : {}),
    });
  } catch (error) {
    const message =
      error instanceof LogHistoryError || error instanceof Error ? error.message : String(error);
    return { exitCode: EXIT_ERROR, output: message };
  }
  const s = result.stats;
  const summary =
    `${s.operations} operations: ${s.sends.ok} sends acknowledged, ${s.sends.unknown} unknown, ${s.sends.fail} failed, ` +
    `${s.sends.aborted} aborted; ${s.polls} polls read ${s.recordsRead} records (${s.redelivered} redelivered); ${s.commits} commits` +
    (s.shared.consumers > 0
      ? `; shared consumers: ${s.shared.deliveries} deliveries (${s.shared.redeliveries} redeliveries), ` +
        `${s.shared.acks} acks and ${s.shared.terms} terms (${s.shared.confirmed} confirmed), ${s.shared.naks} naks`
      : '');
  if (result.valid) return { exitCode: EXIT_VALID, output: `valid — ${summary}`, result };
  const lines = [`INVALID — ${summary}`];
  for (const [kind, n] of Object.entries(result.counts)) {
    if (n === 0) continue;
    lines.push(`  ${kind}: ${n}`);
    for (const finding of result.findings.filter((f) => f.kind === kind).slice(0, SHOWN_PER_KIND))
      lines.push(`    ${finding.message}`);
  }
  return { exitCode: EXIT_INVALID, output: lines.join('\n'), result };
}

/**
 * `dslab check --model list-append|rw-register --consistency …`: the transactional anomaly checker on
 * one history. A function of the text rather than a commander action, so the check verb can call it
 * for the transactional models and tests can call it directly. Exit 0 when the history satisfies the
 * consistency model, 1 with the anomalies when it does not, 2 when the input cannot be read (or the
 * verdict is unknown: the G-single search ran out of budget before snapshot isolation was shown).
 */
import { writeFileSync } from 'node:fs';
import {
  CONSISTENCY_MODELS,
  TxnHistoryError,
  checkTransactions,
  detectTxnFormat,
  forbids,
  formatMicroOp,
  readTxnHistory,
  renderTxnReportHtml,
  type Anomaly,
  type ConsistencyModel,
  type TxnCheckResult,
} from '@dslab/check';
import { EXIT_ERROR, EXIT_INVALID, EXIT_VALID } from '../errors';

export const TXN_MODELS = ['list-append', 'rw-register'] as const;

export interface TxnCheckCliOptions {
  model: (typeof TXN_MODELS)[number];
  consistency: string;
  format?: 'edn' | 'json';
  /** Write the HTML report to this file. */
  html?: string;
  /** Add session (process) order edges. */
  processOrder?: boolean;
  /** Add real-time edges (implied by strict-serializable). */
  realtime?: boolean;
}

export interface TxnCheckCliResult {
  exitCode: 0 | 1 | 2;
  output: string;
}

/** How many anomalies of each forbidden type the text names. */
const SHOWN_PER_TYPE = 3;

export function runTxnCheck(text: string, options: TxnCheckCliOptions): TxnCheckCliResult {
  if (!(TXN_MODELS as readonly string[]).includes(options.model))
    return error(`unknown transactional model '${options.model}' (known: ${TXN_MODELS.join(', ')})`);
  if (!(CONSISTENCY_MODELS as readonly string[]).includes(options.consistency))
    return error(
      `unknown consistency model '${options.consistency}' (known: ${CONSISTENCY_MODELS.join(', ')})`,
    );
  if (options.format !== undefined && options.format !== 'edn' && options.format !== 'json')
    return error(`unknown format '${String(options.format)}' for a transactional history (known: edn, json)`);
  const consistency = options.consistency as ConsistencyModel;
  let result: TxnCheckResult;
  try {
    const history = readTxnHistory(text, options.format ?? detectTxnFormat(text));
    result = checkTransactions(history, {
      model: options.model,
      consistency,
      ...(options.processOrder ? { processOrder: true } : {}),
      ...(options.realtime ? { realtime: true } : {}),
    });
  } catch (caught) {
    if (caught instanceof TxnHistoryError) return error(`unreadable history: ${caught.message}`);
    throw caught;
  }
  if (options.html !== undefined) {
    try {
      writeFileSync(
        options.html,
        renderTxnReportHtml(result, { title: `${options.model} history, ${consistency}` }),
      );
    } catch (caught) {
      return error(`--html: cannot write ${options.html}: ${(caught as Error).message}`);
    }
  }
  const lines = [verdictLine(result), ...countLines(result)];
  for (const type of result.forbidden) {
    const shown = result.anomalies.filter((a) => a.type === type).slice(0, SHOWN_PER_TYPE);
    for (const anomaly of shown) lines.push('', ...describe(anomaly));
  }
  if (options.html !== undefined) lines.push('', `report: ${options.html}`);
  const unknown = result.valid && result.stats.searchExhausted && forbids(consistency, 'G-single');
  if (unknown)
    lines[0] = `unknown: the search for G-single cycles ran out of budget, so ${consistency} is not shown (no other anomaly it forbids was found)`;
  return {
    exitCode: unknown ? EXIT_ERROR : result.valid ? EXIT_VALID : EXIT_INVALID,
    output: lines.join('\n'),
  };
}

function error(message: string): TxnCheckCliResult {
  return { exitCode: EXIT_ERROR, output: message };
}

function verdictLine(result: TxnCheckResult): string {
  const s = result.stats;
  const size = `${s.transactions} transactions (${s.committed} ok, ${s.failed} failed, ${s.indeterminate} unknown), ${s.keys} keys`;
  if (result.valid) return `valid: ${result.consistency} — ${result.model} history of ${size}`;
  const found = result.forbidden.map((type) => `${type} (${result.counts[type]})`).join(', ');
  return `not ${result.consistency}: ${found} — ${result.model} history of ${size}`;
}

function countLines(result: TxnCheckResult): string[] {
  const types = Object.keys(result.counts) as (keyof TxnCheckResult['counts'])[];
  if (types.length === 0) return ['no anomalies'];
  const allowed = types.filter((type) => !result.forbidden.includes(type));
  if (allowed.length === 0) return [];
  return [
    `also found, allowed by ${result.consistency}: ${allowed.map((type) => `${type} (${result.counts[type]})`).join(', ')}`,
  ];
}

function describe(anomaly: Anomaly): string[] {
  const lines = [`${anomaly.type}: ${anomaly.why}`];
  for (const edge of (anomaly.cycle ?? []).slice(0, 12))
    lines.push(`  T${edge.from} -${edge.kind}→ T${edge.to}: ${edge.why}`);
  if ((anomaly.cycle?.length ?? 0) > 12) lines.push(`  … ${(anomaly.cycle?.length ?? 0) - 12} more edges`);
  for (const txn of anomaly.transactions.slice(0, 12)) {
    const ops = txn.ops.slice(0, 8).map(formatMicroOp).join(' ');
    const where = txn.line !== undefined ? `, line ${txn.line}` : '';
    lines.push(
      `  T${txn.index} (process ${txn.process}, ${txn.type}${where}): [${ops}${txn.ops.length > 8 ? ' …' : ''}]`,
    );
  }
  return lines;
}

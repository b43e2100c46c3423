import type { Command } from 'commander';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MODEL_NAMES,
  detectFormat,
  modelFor,
  readHistory,
  renderHistoryHtml,
  usesKeyField,
  type HistoryFormat,
  type Model,
  type ModelOptions,
} from '@dslab/check';
import { CliError, EXIT_ERROR, EXIT_INVALID, EXIT_VALID } from '../errors';
import { checkHistory } from '../check-parallel';
import { TXN_MODELS, runTxnCheck } from './check-txn';
import { runLogCheck } from './check-log';
import { MODELS_HELP, runModelsCheck } from './check-models';

interface CheckCliOptions {
  model?: string;
  format?: string;
  initial?: string;
  nilRead?: string;
  failedCas?: string;
  timeout: string;
  maxStates?: string;
  html?: string;
  json?: boolean;
  consistency: string;
  processOrder?: boolean;
  realtime?: boolean;
  drained?: boolean;
  gapsAllowed?: string;
  models?: string;
}

function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new CliError(`--timeout: expected a duration like 500ms, 10s or 2m, got '${text}'`);
  const value = Number(match[1]);
  return match[2] === 'ms' ? value : match[2] === 'm' ? value * 60_000 : value * 1000;
}

function expandInputs(inputs: readonly string[]): string[] {
  const files: string[] = [];
  for (const input of inputs) {
    let stat;
    try {
      stat = statSync(input);
    } catch {
      throw new CliError(`no such file or folder: ${input}`);
    }
    if (stat.isDirectory()) {
      for (const name of readdirSync(input).sort()) {
        if (/\.(edn|log|json|jsonl|txt)$/.test(name)) files.push(join(input, name));
      }
    } else files.push(input);
  }
  if (files.length === 0) throw new CliError('no history files found (.edn, .log, .json, .txt)');
  return files;
}

function buildModel(
  name: string,
  format: HistoryFormat,
  keyField: boolean,
  options: CheckCliOptions,
): Model<unknown> {
  let initial: unknown;
  if (options.initial !== undefined) {
    try {
      initial = JSON.parse(options.initial);
    } catch {
      throw new CliError(`--initial must be JSON (e.g. 0, null, {"x":0}), got '${options.initial}'`);
    }
  }
  try {
    return modelFor(name, format, {
      keyField,
      ...(initial !== undefined ? { initial } : {}),
      ...(options.nilRead !== undefined ? { nilRead: options.nilRead as ModelOptions['nilRead'] } : {}),
      ...(options.failedCas !== undefined
        ? { failedCas: options.failedCas as ModelOptions['failedCas'] }
        : {}),
    });
  } catch (error) {
    throw new CliError(`--model ${name}: ${(error as Error).message}`);
  }
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description(
      'check histories for linearizability, or transactional histories for anomalies (list-append, rw-register)',
    )
    .argument('<files...>', 'history files or folders')
    .option('--model <name>', `model: ${[...MODEL_NAMES, ...TXN_MODELS, 'log'].join(', ')}`)
    .option('--models <list>', MODELS_HELP)
    .option('--format <format>', 'edn, jepsen-log or json (default: detected from the content)')
    .option(
      '--initial <json>',
      'initial state (default null; {} for multi-register; "" for kv histories with a :key field)',
    )
    .option('--nil-read <mode>', "a read of nil is 'unknown' (Knossos) or a 'value' (etcd logs)")
    .option(
      '--failed-cas <mode>',
      "a failed cas 'observes' another value (etcd logs) or had 'no-effect' (Knossos)",
    )
    .option('--timeout <duration>', 'time budget per history; past it the verdict is unknown', '10s')
    .option('--max-states <n>', 'configuration budget per history part')
    .option(
      '--html <file>',
      'write a report page for the first history that is not linearizable (or the first)',
    )
    .option('--json', 'print results as JSON')
    .option(
      '--consistency <model>',
      'for list-append / rw-register: serializable, snapshot-isolation, read-committed or strict-serializable',
      'serializable',
    )
    .option(
      '--process-order',
      'transactional histories: order each process’s transactions (session guarantees)',
    )
    .option('--realtime', 'transactional histories: add real-time order (implied by strict-serializable)')
    .option(
      '--drained',
      'log histories: consumers read every partition to its end (unread = lost) and shared consumers were drained (never delivered = undelivered)',
    )
    .option('--gaps-allowed <topics>', 'log histories: comma-separated topics that compact or expire records')
    .action(async (inputs: string[], options: CheckCliOptions) => {
      if (options.models !== undefined) {
        if (options.model !== undefined) throw new CliError('give --model or --models, not both');
        checkModels(inputs, options);
        return;
      }
      if (options.model === undefined)
        throw new CliError('--model <name> is required (or --models all for the consistency ladder)');
      if (options.model === 'log') {
        checkLogHistories(inputs, options);
        return;
      }
      if ((TXN_MODELS as readonly string[]).includes(options.model)) {
        checkTransactional(inputs, options);
        return;
      }
      if (!(MODEL_NAMES as readonly string[]).includes(options.model))
        throw new CliError(
          `unknown model '${options.model}' (known: ${[...MODEL_NAMES, ...TXN_MODELS, 'log'].join(', ')})`,
        );
      if (options.format !== undefined && !['edn', 'jepsen-log', 'json'].includes(options.format)) {
        throw new CliError(`unknown format '${options.format}' (known: edn, jepsen-log, json)`);
      }
      const timeoutMs = parseDuration(options.timeout);
      const maxStates = options.maxStates !== undefined ? Number(options.maxStates) : undefined;
      if (maxStates !== undefined && !(Number.isInteger(maxStates) && maxStates > 0))
        throw new CliError('--max-states must be a positive whole number');
      const files = expandInputs(inputs);
      const results: Record<string, unknown>[] = [];
      let worst = EXIT_VALID;
      let reported = false;
      for (const file of files) {
        const started = performance.now();
        let line: Record<string, unknown>;
        try {
          const text = readFileSync(file, 'utf8');
          const format = (options.format as HistoryFormat | undefined) ?? detectFormat(text);
          const history = readHistory(text, format);
          const keyField = usesKeyField(text, format);
          const model = buildModel(options.model, format, keyField, options);
          // Parts on worker threads when there are many (check-parallel.ts); the deadline in wall-clock time.
          const result = await checkHistory(history, model, {
            spec: {
              name: options.model,
              format,
              keyField,
              initial: options.initial,
              nilRead: options.nilRead,
              failedCas: options.failedCas,
            },
            deadlineAt: Date.now() + timeoutMs - (performance.now() - started),
            ...(maxStates ? { maxStates } : {}),
          });
          const ms = performance.now() - started;
          line = {
            file,
            verdict: result.verdict,
            operations: history.length,
            ms: Number(ms.toFixed(2)),
            parts: result.parts.length,
          };
          const failing = result.parts.find((p) => p.verdict === 'not-linearizable');
          if (failing)
            line = {
              ...line,
              longestLinearization: failing.longestLinearization,
              stuckOperation: failing.stuckOperation,
            };
          if (result.verdict === 'not-linearizable') worst = Math.max(worst, EXIT_INVALID);
          if (result.verdict === 'unknown') worst = EXIT_ERROR;
          if (
            options.html &&
            !reported &&
            (result.verdict !== 'linearizable' || file === files[files.length - 1])
          ) {
            writeFileSync(options.html, renderHistoryHtml(file, history, result));
            reported = true;
          }
        } catch (error) {
          if (error instanceof CliError) throw error;
          line = { file, verdict: 'error', error: (error as Error).message };
          worst = EXIT_ERROR;
        }
        results.push(line);
        if (!options.json) {
          const detail =
            line.verdict === 'error' ? String(line.error) : `${line.operations} ops, ${line.ms} ms`;
          console.log(`${String(line.verdict).padEnd(17)} ${file}  (${detail})`);
        }
      }
      if (options.json) console.log(JSON.stringify({ model: options.model, results }, null, 2));
      else {
        const count = (v: string) => results.filter((r) => r.verdict === v).length;
        console.log(
          `${files.length} histories: ${count('linearizable')} linearizable, ${count('not-linearizable')} not, ${count('unknown')} unknown, ${count('error')} unreadable`,
        );
      }
      process.exitCode = worst;
    });
}

/** `--model list-append|rw-register`: each file through the transactional checker; the worst exit code wins. */
function checkTransactional(inputs: readonly string[], options: CheckCliOptions): void {
  if (options.format !== undefined && options.format !== 'edn' && options.format !== 'json')
    throw new CliError(`unknown format '${options.format}' for a transactional history (known: edn, json)`);
  let worst = EXIT_VALID;
  for (const file of expandInputs(inputs)) {
    const result = runTxnCheck(readFileSync(file, 'utf8'), {
      model: options.model as (typeof TXN_MODELS)[number],
      consistency: options.consistency,
      ...(options.format !== undefined ? { format: options.format as 'edn' | 'json' } : {}),
      ...(options.html !== undefined ? { html: options.html } : {}),
      ...(options.processOrder ? { processOrder: true } : {}),
      ...(options.realtime ? { realtime: true } : {}),
    });
    if (result.exitCode === EXIT_ERROR) console.error(`dslab: ${file}: ${result.output}`);
    else console.log(`${file}: ${result.output}`);
    worst = Math.max(worst, result.exitCode);
  }
  process.exitCode = worst;
}

/** `--model log`: each file through the log checker; the worst exit code wins. */
function checkLogHistories(inputs: readonly string[], options: CheckCliOptions): void {
  const gapsAllowed = options.gapsAllowed
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  let worst = EXIT_VALID;
  for (const file of expandInputs(inputs)) {
    const result = runLogCheck(readFileSync(file, 'utf8'), {
      ...(options.drained ? { drained: true } : {}),
      ...(gapsAllowed && gapsAllowed.length > 0 ? { gapsAllowed } : {}),
    });
    if (options.json)
      console.log(
        JSON.stringify({ file, exitCode: result.exitCode, output: result.output, result: result.result }),
      );
    else if (result.exitCode === EXIT_ERROR) console.error(`dslab: ${file}: ${result.output}`);
    else console.log(`${file}: ${result.output}`);
    worst = Math.max(worst, result.exitCode);
  }
  process.exitCode = worst;
}

/** `--models`: each register history through the consistency classifier; the worst exit code wins. */
function checkModels(inputs: readonly string[], options: CheckCliOptions): void {
  if (options.format !== undefined && !['edn', 'jepsen-log', 'json'].includes(options.format))
    throw new CliError(`unknown format '${options.format}' (known: edn, jepsen-log, json)`);
  const maxStates = options.maxStates !== undefined ? Number(options.maxStates) : undefined;
  if (maxStates !== undefined && !(Number.isInteger(maxStates) && maxStates > 0))
    throw new CliError('--max-states must be a positive whole number');
  let worst = EXIT_VALID;
  for (const file of expandInputs(inputs)) {
    const result = runModelsCheck(readFileSync(file, 'utf8'), {
      models: options.models as string,
      ...(options.format !== undefined ? { format: options.format as HistoryFormat } : {}),
      ...(maxStates !== undefined ? { maxStates } : {}),
    });
    if (result.exitCode === EXIT_ERROR && result.verdicts === undefined) {
      if (result.output.startsWith('--models')) throw new CliError(result.output);
      console.error(`dslab: ${file}: ${result.output}`);
    } else if (options.json)
      console.log(JSON.stringify({ file, strongest: result.strongest, verdicts: result.verdicts }));
    else console.log(`${file}\n${result.output}`);
    worst = Math.max(worst, result.exitCode);
  }
  process.exitCode = worst;
}

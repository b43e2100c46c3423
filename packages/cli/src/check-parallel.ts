/**
 * Linearizability checking with the independent parts of a history (per key, for the kv model) on
 * worker threads. The checker itself (@dslab/check) stays portable — no Node modules — and exposes the
 * pieces: `partsToCheck`, `checkPart`, `combinePartResults`; the threads live here, in the CLI.
 *
 * A thread costs tens of milliseconds to start and the parts must be copied to it, so only histories
 * with several parts and many operations go to workers; the rest are checked in this thread. Either way
 * the result is the one `checkLinearizable` gives (same parts, same order).
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  checkPart,
  combinePartResults,
  modelFor,
  partsToCheck,
  type CheckResult,
  type History,
  type HistoryFormat,
  type Model,
  type Operation,
  type PartResult,
} from '@dslab/check';

/** How to build the model, as plain data a worker can receive (the CLI's options, unparsed). */
export interface ModelSpec {
  readonly name: string;
  readonly format: HistoryFormat;
  readonly keyField: boolean;
  readonly initial: string | undefined;
  readonly nilRead: string | undefined;
  readonly failedCas: string | undefined;
}

/** The model `dslab check` builds from these options. */
export function modelFromSpec(spec: ModelSpec): Model<unknown> {
  return modelFor(spec.name, spec.format, {
    keyField: spec.keyField,
    ...(spec.initial !== undefined ? { initial: JSON.parse(spec.initial) as unknown } : {}),
    ...(spec.nilRead !== undefined ? { nilRead: spec.nilRead as 'value' | 'unknown' } : {}),
    ...(spec.failedCas !== undefined ? { failedCas: spec.failedCas as 'observes' | 'no-effect' } : {}),
  });
}

export type CheckWorkerRequest =
  | {
      readonly index: number;
      readonly ops: readonly Operation[];
      readonly spec: ModelSpec;
      readonly maxStates?: number;
      readonly deadlineAt?: number;
    }
  | { readonly stop: true };
export type CheckWorkerReply =
  | { readonly index: number; readonly result: PartResult }
  | { readonly index: number; readonly error: string };

export interface ParallelCheckOptions {
  /** Rebuilds the model in a worker; without it every part is checked in this thread. */
  readonly spec?: ModelSpec;
  readonly maxStates?: number;
  /** Wall-clock deadline (Date.now() milliseconds) for each part; past it a part is unknown. */
  readonly deadlineAt?: number;
  /** Worker threads (default: the machine's parallelism). */
  readonly workers?: number;
  /** Fewest operations, over all parts, worth starting threads for (default 50,000). */
  readonly minOperations?: number;
}

/** Below this many operations in all, threads cost more than they save (docs/decisions/0014). */
export const PARALLEL_MIN_OPERATIONS = 50_000;

/** Threads to use: DSLAB_CHECK_WORKERS when set (1 keeps every part in this thread), else one per core. */
export function defaultWorkers(): number {
  const set = Number(process.env.DSLAB_CHECK_WORKERS);
  return Number.isInteger(set) && set > 0 ? set : availableParallelism();
}

/** Checks `history` against `model`, its parts on worker threads when it has several and is large. */
export async function checkHistory(
  history: History,
  model: Model<unknown>,
  options: ParallelCheckOptions = {},
): Promise<CheckResult> {
  const parts = partsToCheck(history, model);
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const workers = Math.min(options.workers ?? defaultWorkers(), parts.length);
  const { deadlineAt, maxStates } = options;
  if (
    options.spec === undefined ||
    workers < 2 ||
    total < (options.minOperations ?? PARALLEL_MIN_OPERATIONS)
  ) {
    const partOptions = {
      ...(maxStates !== undefined ? { maxStates } : {}),
      ...(deadlineAt !== undefined ? { deadlineReached: () => Date.now() > deadlineAt } : {}),
    };
    return combinePartResults(
      model.name,
      history.length,
      parts.map((part) => checkPart(part, model, partOptions)),
    );
  }
  const results = await checkPartsOnWorkers(parts, options.spec, workers, options);
  return combinePartResults(model.name, history.length, results);
}

/** Checks each part on one of `count` worker threads, the largest parts first; results in part order. */
export async function checkPartsOnWorkers(
  parts: readonly (readonly Operation[])[],
  spec: ModelSpec,
  count: number,
  options: Pick<ParallelCheckOptions, 'maxStates' | 'deadlineAt'> = {},
): Promise<PartResult[]> {
  const boot = fileURLToPath(new URL('../bin/ts-worker.mjs', import.meta.url));
  const entry = new URL('./check-worker.ts', import.meta.url).href;
  const queue = parts
    .map((_, index) => index)
    .sort((a, b) => (parts[b]?.length ?? 0) - (parts[a]?.length ?? 0));
  const results: (PartResult | undefined)[] = new Array<PartResult | undefined>(parts.length);
  const threads: Worker[] = [];
  const run = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(boot, { workerData: { entry } });
      threads.push(worker);
      const feed = () => {
        const index = queue.shift();
        if (index === undefined) {
          const stop: CheckWorkerRequest = { stop: true };
          worker.postMessage(stop);
          resolve();
          return;
        }
        const request: CheckWorkerRequest = {
          index,
          ops: parts[index] as readonly Operation[],
          spec,
          ...(options.maxStates !== undefined ? { maxStates: options.maxStates } : {}),
          ...(options.deadlineAt !== undefined ? { deadlineAt: options.deadlineAt } : {}),
        };
        worker.postMessage(request);
      };
      worker.on('message', (reply: CheckWorkerReply) => {
        if ('error' in reply) {
          reject(new Error(reply.error));
          return;
        }
        results[reply.index] = reply.result;
        feed();
      });
      worker.once('error', reject);
      feed();
    });
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(count, parts.length)) }, run));
  } finally {
    await Promise.all(threads.map((thread) => thread.terminate()));
  }
  return results as PartResult[];
}

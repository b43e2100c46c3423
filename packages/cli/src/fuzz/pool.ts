/** Runs fuzz seeds on every core through worker_threads, in batches, reporting each outcome. */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { FuzzOutcome } from '@dslab/systems';
import type { FuzzWorkerData, FuzzWorkerReply, FuzzWorkerRequest } from './worker';

export interface FuzzFailure {
  readonly seed: number;
  readonly failure: string;
  readonly traceHash?: string;
}

export interface PoolOptions {
  readonly systemId: string;
  readonly mutant?: string;
  readonly seeds: readonly number[];
  readonly workers: number;
  readonly stopOnFirst: boolean;
  readonly onOutcome: (
    done: number,
    failure: FuzzFailure | undefined,
    outcome: FuzzOutcome | undefined,
  ) => void;
}

const BATCH = 8;

export async function runFuzzPool(
  options: PoolOptions,
): Promise<{ failures: FuzzFailure[]; done: number; events: number }> {
  const boot = fileURLToPath(new URL('../../bin/ts-worker.mjs', import.meta.url));
  const entry = new URL('./worker.ts', import.meta.url).href;
  const queue = [...options.seeds];
  const failures: FuzzFailure[] = [];
  let done = 0;
  let events = 0;
  let stopping = false;
  const workerCount = Math.max(1, Math.min(options.workers, Math.ceil(queue.length / BATCH)));

  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      const data: FuzzWorkerData = {
        entry,
        systemId: options.systemId,
        ...(options.mutant !== undefined ? { mutant: options.mutant } : {}),
      };
      const worker = new Worker(boot, { workerData: data });
      let inFlight = 0;
      const feed = () => {
        if (stopping || queue.length === 0) {
          if (inFlight === 0) {
            const stop: FuzzWorkerRequest = { stop: true };
            worker.postMessage(stop);
            void worker.terminate().then(() => resolve());
          }
          return;
        }
        const seeds = queue.splice(0, BATCH);
        inFlight += seeds.length;
        const request: FuzzWorkerRequest = { seeds };
        worker.postMessage(request);
      };
      worker.on('message', (reply: FuzzWorkerReply) => {
        inFlight--;
        done++;
        let failure: FuzzFailure | undefined;
        let outcome: FuzzOutcome | undefined;
        if ('error' in reply) failure = { seed: reply.seed, failure: `harness error: ${reply.error}` };
        else {
          outcome = reply.outcome;
          events += outcome.events;
          if (!outcome.ok)
            failure = {
              seed: outcome.seed,
              failure: outcome.failure ?? 'violation',
              traceHash: outcome.traceHash,
            };
        }
        if (failure) {
          failures.push(failure);
          if (options.stopOnFirst) stopping = true;
        }
        options.onOutcome(done, failure, outcome);
        if (inFlight === 0) feed();
      });
      worker.once('error', reject);
      feed();
    });

  await Promise.all(Array.from({ length: workerCount }, runWorker));
  failures.sort((a, b) => a.seed - b.seed);
  return { failures, done, events };
}

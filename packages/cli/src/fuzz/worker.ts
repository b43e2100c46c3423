// A fuzz worker: runs the seeds it is sent against one system and posts each outcome back.
import { parentPort, workerData } from 'node:worker_threads';
import { findSystem, type FuzzOutcome } from '@dslab/systems';

export interface FuzzWorkerData {
  readonly entry: string;
  readonly systemId: string;
  readonly mutant?: string;
}
export type FuzzWorkerRequest = { readonly seeds: readonly number[] } | { readonly stop: true };
export type FuzzWorkerReply =
  { readonly outcome: FuzzOutcome } | { readonly error: string; readonly seed: number };

const data = workerData as FuzzWorkerData;
const fuzz = findSystem(data.systemId)?.fuzz;
if (!fuzz || !parentPort) throw new Error(`fuzz worker: no fuzzer for '${data.systemId}'`);
const port = parentPort;

port.on('message', (request: FuzzWorkerRequest) => {
  if ('stop' in request) {
    port.close();
    return;
  }
  for (const seed of request.seeds) {
    try {
      const outcome = fuzz.run(seed, data.mutant !== undefined ? { mutant: data.mutant } : {});
      const reply: FuzzWorkerReply = { outcome: { ...outcome, trace: undefined } as FuzzOutcome };
      port.postMessage(reply);
    } catch (error) {
      // A crash of the harness (not an invariant violation) is a failure too, reported with its seed.
      const reply: FuzzWorkerReply = {
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        seed,
      };
      port.postMessage(reply);
    }
  }
});

/** The page's side of the simulation worker: one worker, requests matched to replies by id. */
import type { ModelName } from '@dslab/check';
import type { RunSummary, ScenarioResult } from '@dslab/systems';
import type {
  CheckReport,
  LiveOperation,
  LiveSnapshot,
  WindowRequest,
  WorkerReply,
  WorkerRequest,
} from './protocol';

type Pending = { resolve: (reply: WorkerReply) => void };

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

function getWorker(): Worker {
  if (!worker) {
    worker = new Worker(new URL('./sim.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const waiting = pending.get(event.data.id);
      pending.delete(event.data.id);
      waiting?.resolve(event.data);
    };
  }
  return worker;
}

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

function ask(request: Request): Promise<WorkerReply> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, { resolve });
    getWorker().postMessage({ ...request, id } as WorkerRequest);
  });
}

/**
 * Starts the worker and has it fetch a system's chunk now, so that the page's first run does not wait for
 * it. A failure is left to that first run to report.
 */
export function preloadSystem(system: string): void {
  void ask({ type: 'load', system });
}

export async function runSystem(system: string, params: unknown, seed: number): Promise<RunSummary> {
  const reply = await ask({ type: 'run', system, params, seed });
  if (reply.type === 'error') throw new Error(reply.message);
  if (reply.type !== 'run') throw new Error('unexpected reply');
  return reply.summary;
}

export async function runScenario(
  system: string,
  scenario: string,
  seed: number,
  quick: boolean,
): Promise<ScenarioResult> {
  const reply = await ask({ type: 'scenario', system, scenario, seed, quick });
  if (reply.type === 'error') throw new Error(reply.message);
  if (reply.type !== 'scenario') throw new Error('unexpected reply');
  return reply.result;
}

export async function live(operation: LiveOperation, window: WindowRequest): Promise<LiveSnapshot> {
  const reply = await ask({ type: 'live', operation, window });
  if (reply.type === 'error') throw new Error(reply.message);
  if (reply.type !== 'live') throw new Error('unexpected reply');
  return reply.snapshot;
}

export async function checkHistoryText(text: string, model: ModelName): Promise<CheckReport> {
  const reply = await ask({ type: 'check', text, model });
  if (reply.type === 'error') throw new Error(reply.message);
  if (reply.type !== 'check') throw new Error('unexpected reply');
  return reply.report;
}

/**
 * Client programs: a session's behaviour as a generator that yields statements and receives their
 * results, run by the simulated client node of that session. Workloads (transfers, job queues,
 * list-append histories) are written this way.
 */
import type { MvccCluster } from './cluster';
import type { Statement, StatementResult } from './statements';

/** Let virtual time pass in the client (think time, processing a job) before the next statement. */
export interface Pause {
  readonly kind: 'pause';
  readonly ms: number;
}

export type Program = Generator<Statement | Pause, void, StatementResult>;

const PAUSED: StatementResult = { tag: 'PAUSE' };

/** Starts each client's program; returns a function telling which are still running. */
export function startPrograms(cluster: MvccCluster, programs: ReadonlyMap<string, Program>): () => number {
  const running = new Set<string>();
  for (const [id, program] of programs) {
    running.add(id);
    const client = cluster.client(id);
    const step = (result: StatementResult | undefined) => {
      // A client that crashed is gone, and its program with it.
      if (!cluster.world.isUp(id) || cluster.client(id) !== client) {
        running.delete(id);
        return;
      }
      const next = result === undefined ? program.next() : program.next(result);
      if (next.done) {
        running.delete(id);
        return;
      }
      const action = next.value;
      if (action.kind === 'pause') cluster.world.after(action.ms, `${id} pauses`, () => step(PAUSED));
      else client.submit(action, (r) => step(r));
    };
    cluster.world.at(cluster.world.now(), `start ${id}`, () => step(undefined));
  }
  // A program whose client crashed is dead: it no longer counts as running.
  const clients = new Map([...programs.keys()].map((id) => [id, cluster.client(id)]));
  return () =>
    [...running].filter((id) => cluster.world.isUp(id) && cluster.client(id) === clients.get(id)).length;
}

/** True when the result is an error with this SQLSTATE (or any error when no code is given). */
export function failed(result: StatementResult, code?: string): boolean {
  return result.error !== undefined && (code === undefined || result.error.code === code);
}

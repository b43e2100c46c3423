/**
 * Helpers for the PostgreSQL side of G2: waiting until a backend is blocked on a lock (so the tests show
 * the wait rather than assume it), and driving client programs (the generators the engine runs) against
 * real connections.
 */
import { wallSleep, type PostgresClient } from '@dslab/runtime/testing';
import type { Program } from '../../mvcc/programs';
import type { StatementResult } from '../../mvcc/statements';
import { runSql } from '../../mvcc/test-support/postgres-target';

export async function backendPid(client: PostgresClient): Promise<number> {
  return Number((await client.query('select pg_backend_pid() as pid')).rows[0].pid);
}

/** The pids `pid` is waiting for (pg_blocking_pids), polled until non-empty or `timeoutMs` passed. */
export async function waitUntilBlocked(
  monitor: PostgresClient,
  pid: number,
  timeoutMs = 5_000,
): Promise<number[]> {
  for (let waited = 0; waited < timeoutMs; waited += 5) {
    const r = await monitor.query('select pg_blocking_pids($1) as pids', [pid]);
    const pids = (r.rows[0].pids as number[]).map(Number);
    if (pids.length > 0) return pids;
    await wallSleep(5);
  }
  return [];
}

/** Runs a client program on one connection, statement by statement, pauses in real time. */
export async function drive(program: Program, client: PostgresClient): Promise<void> {
  let result: StatementResult | undefined;
  for (;;) {
    const next = result === undefined ? program.next() : program.next(result);
    if (next.done) return;
    const action = next.value;
    if (action.kind === 'pause') {
      await wallSleep(action.ms);
      result = { tag: 'PAUSE' };
    } else result = await runSql(client, action);
  }
}

/** Programs started at any time on connections of their own; `idle` resolves when all have ended. */
export class PostgresFleet {
  private readonly running: Promise<void>[] = [];

  constructor(private readonly connect: () => Promise<PostgresClient>) {}

  spawn(program: Program, delayMs = 0): void {
    this.running.push(
      (async () => {
        if (delayMs > 0) await wallSleep(delayMs);
        const client = await this.connect();
        try {
          await drive(program, client);
        } finally {
          await client.end().catch(() => undefined);
        }
      })(),
    );
  }

  async idle(): Promise<void> {
    for (let i = 0; i < this.running.length; i++) await this.running[i];
  }
}

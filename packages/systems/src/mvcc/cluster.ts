/** Params and the world: one database node and session client nodes. */
import { World, type Env, type TraceMode } from '@dslab/sim';
import { z } from 'zod';
import { simpleLink } from '../link-params';
import { MvccClient } from './client';
import type { MvccMessage } from './messages';
import { MvccServer } from './node';
import type { Row, TableSchema } from './statements';
import { mvccMutants, type EngineOptions } from './types';

export const DB = 'db';

export const mvccParams = z
  .object({
    /** Client sessions (nodes c1…cN). */
    sessions: z.number().int().min(1).max(32).default(4),
    level: z
      .enum(['read uncommitted', 'read committed', 'repeatable read', 'serializable'])
      .default('serializable'),
    /** Keys of the list-append workload (rows of `lists`). */
    keys: z.number().int().min(1).max(64).default(4),
    /** Micro-operations per transaction. */
    opsPerTxn: z.number().int().min(1).max(8).default(3),
    latencyMs: z.number().min(0).max(1_000).default(1),
    jitterMs: z.number().min(0).max(1_000).default(1),
    loss: z.number().min(0).max(1).default(0),
    duplicate: z.number().min(0).max(1).default(0),
    retryMs: z.number().positive().max(60_000).default(50),
    durationMs: z.number().positive().max(600_000).default(3_000),
    deadlockTimeoutMs: z.number().positive().max(60_000).default(1_000),
    deadlockVictim: z.enum(['detector', 'least-work']).default('detector'),
    lockTimeoutMs: z.number().min(0).max(60_000).default(0),
    xidSpace: z
      .number()
      .int()
      .min(64)
      .max(2 ** 32)
      .default(2 ** 32),
    mutant: z.enum(mvccMutants).optional(),
  })
  .strict();

export type MvccParams = z.infer<typeof mvccParams>;

export function clientIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `c${i + 1}`);
}

export interface MvccCluster {
  readonly world: World;
  readonly params: MvccParams;
  server(): MvccServer;
  client(id: string): MvccClient;
  readonly clients: readonly string[];
}

export function engineOptions(params: MvccParams): Partial<EngineOptions> {
  return {
    deadlockTimeoutMs: params.deadlockTimeoutMs,
    deadlockVictim: params.deadlockVictim,
    lockTimeoutMs: params.lockTimeoutMs,
    xidSpace: params.xidSpace,
    ...(params.mutant ? { mutant: params.mutant } : {}),
  };
}

/** A world with the database (holding `tables`) and `clients` session nodes. */
export function buildMvccWorld(
  params: MvccParams,
  seed: number,
  trace: TraceMode,
  tables: readonly { readonly schema: TableSchema; readonly rows: readonly Row[] }[],
  clients: readonly string[] = clientIds(params.sessions),
  engine: Partial<EngineOptions> = {},
): MvccCluster {
  const world = new World({ seed, trace, network: simpleLink(params) });
  world.addNode(
    DB,
    (env: Env<MvccMessage>) =>
      new MvccServer(env, { tables, engine: { ...engineOptions(params), ...engine } }),
  );
  for (const id of clients)
    world.addNode(id, (env: Env<MvccMessage>) => new MvccClient(env, DB, params.retryMs));
  return {
    world,
    params,
    clients,
    server: () => world.node<MvccServer>(DB),
    client: (id) => world.node<MvccClient>(id),
  };
}

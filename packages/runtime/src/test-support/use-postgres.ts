// For tests: a throwaway PostgreSQL 15 for the whole file, and `pg` clients connected to it.
import { afterAll, beforeAll } from 'vitest';
import pg from 'pg';
import {
  postgresMissing,
  startPostgresServer,
  type PostgresOptions,
  type PostgresServer,
} from '../real/postgres-server';

export type PostgresClient = pg.Client;
export type { PostgresServer };

export interface UsePostgres {
  /** Undefined when PostgreSQL can run here; otherwise why not (tests skip with it). */
  readonly missing: string | undefined;
  server(): PostgresServer;
  /** A new connection (closed after the file's tests, or by the caller). */
  connect(): Promise<PostgresClient>;
}

/**
 * Registers beforeAll/afterAll hooks that start and stop the server when the binaries are present;
 * call it at the top of a test file and skip its tests when `missing` is set:
 * `describe.skipIf(postgres.missing !== undefined)(…)`.
 */
export function usePostgres(options: PostgresOptions = {}): UsePostgres {
  const missing = postgresMissing();
  let server: PostgresServer | undefined;
  const clients: pg.Client[] = [];
  if (missing === undefined) {
    beforeAll(async () => {
      server = await startPostgresServer(options);
    }, 60_000);
    afterAll(async () => {
      for (const client of clients) await client.end().catch(() => undefined);
      await server?.stop();
    }, 30_000);
  } else {
    console.warn(`skipping PostgreSQL tests: ${missing}`);
  }
  const started = (): PostgresServer => {
    if (!server)
      throw new Error(
        missing ?? 'postgres is not started (usePostgres must be called at the top of the test file)',
      );
    return server;
  };
  return {
    missing,
    server: started,
    connect: async () => {
      const s = started();
      const client = new pg.Client({ host: s.host, port: s.port, user: s.user, database: s.database });
      client.on('error', () => undefined); // a terminated backend must not crash the test process
      await client.connect();
      clients.push(client);
      return client;
    },
  };
}

/**
 * A slow database for real-mode cache experiments: a key-value table behind HTTP on loopback, each
 * read holding one of `capacity` workers for `readMs`, at most `queueBound` waiting, refused (503)
 * past that — the simulator's database, with real time and real sockets.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Default bound on reads waiting for a worker. */
export const DB_QUEUE_BOUND = 256;

export interface Val {
  readonly version: number;
  readonly value: string | null;
}

export interface SlowDatabase {
  readonly url: string;
  /** Milliseconds since start (performance.now()) of each read that started, with its key. */
  readonly reads: { readonly at: number; readonly key: string }[];
  refused: number;
  peakInService: number;
  /** A write that bypasses the cache (another service): the next version of `key`. */
  write(key: string, value: string): Val;
  current(key: string): Val;
  stop(): Promise<void>;
}

export async function startSlowDatabase(options: {
  readMs: number;
  capacity: number;
  queueBound?: number;
}): Promise<SlowDatabase> {
  const table = new Map<string, Val>();
  const queue: (() => void)[] = [];
  const queueBound = options.queueBound ?? DB_QUEUE_BOUND;
  let inService = 0;
  const db: Omit<SlowDatabase, 'url' | 'stop'> = {
    reads: [],
    refused: 0,
    peakInService: 0,
    write(key, value) {
      const val = { version: (table.get(key)?.version ?? 0) + 1, value };
      table.set(key, val);
      return val;
    },
    current(key) {
      return table.get(key) ?? { version: 0, value: null };
    },
  };
  const serve = (key: string, res: ServerResponse) => {
    inService++;
    db.peakInService = Math.max(db.peakInService, inService);
    db.reads.push({ at: performance.now(), key });
    const val = db.current(key);
    setTimeout(() => {
      inService--;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(val));
      queue.shift()?.();
    }, options.readMs);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://db');
    const key = url.searchParams.get('key');
    if (url.pathname !== '/read' || key === null) {
      res.writeHead(404).end();
      return;
    }
    if (inService < options.capacity) serve(key, res);
    else if (queue.length < queueBound) queue.push(() => serve(key, res));
    else {
      db.refused++;
      res.writeHead(503).end();
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...db,
    get refused() {
      return db.refused;
    },
    get peakInService() {
      return db.peakInService;
    },
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

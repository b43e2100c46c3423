/**
 * A RESP (Redis protocol) front end for a KV node: redis-cli, redis-benchmark and Redis client
 * libraries talk to dslab as to a Redis server. Commands are answered in order per connection; many
 * connections run concurrently, so their commands batch in the leader's log.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Address } from '../real/tcp-transport';
import { OutcomeUnknown } from './gateway';
import type { KvOp } from '@dslab/systems';
import { RespParser, RespProtocolError, resp } from './resp';
import type { KvService } from './service';

const NO_AUTH = new Set(['AUTH', 'PING', 'QUIT', 'HELLO']);

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function arity(args: readonly string[], min: number, max = min): string | undefined {
  const n = args.length - 1;
  if (n < min || n > max)
    return resp.error(`ERR wrong number of arguments for '${(args[0] ?? '').toLowerCase()}' command`);
  return undefined;
}

async function run(service: KvService, op: KvOp) {
  const result = await service.execute(op);
  if (!result.ok && result.error !== 'compare failed') throw new Error(result.error ?? 'refused');
  return result;
}

/** Answers one command; `state.authed` is per connection. */
export async function answer(
  service: KvService,
  args: readonly string[],
  state: { authed: boolean },
): Promise<string> {
  const name = (args[0] ?? '').toUpperCase();
  if (service.password !== undefined && !state.authed && !NO_AUTH.has(name)) {
    return resp.error('NOAUTH Authentication required.');
  }
  try {
    switch (name) {
      case 'PING':
        return arity(args, 0, 1) ?? (args.length === 2 ? resp.bulk(args[1] as string) : resp.simple('PONG'));
      case 'ECHO':
        return arity(args, 1) ?? resp.bulk(args[1] as string);
      case 'AUTH': {
        const bad = arity(args, 1, 2);
        if (bad) return bad;
        if (service.password === undefined)
          return resp.error('ERR AUTH called without any password configured');
        const given = args[args.length - 1] as string;
        if (!sameSecret(given, service.password))
          return resp.error('WRONGPASS invalid username-password pair');
        state.authed = true;
        return resp.simple('OK');
      }
      case 'GET': {
        const bad = arity(args, 1);
        if (bad) return bad;
        const result = await run(service, {
          f: 'get',
          key: args[1] as string,
          ...(service.staleReads ? { stale: true } : {}),
        });
        return resp.bulk(result.value ?? null);
      }
      case 'SET': {
        if (args.length !== 3) return resp.error('ERR only SET key value is supported (no options)');
        await run(service, { f: 'put', key: args[1] as string, value: args[2] as string });
        return resp.simple('OK');
      }
      case 'DEL': {
        const bad = arity(args, 1, 64);
        if (bad) return bad;
        let removed = 0;
        for (const key of args.slice(1)) {
          const result = await run(service, { f: 'delete', key });
          if (result.value !== null && result.value !== undefined) removed++;
        }
        return resp.integer(removed);
      }
      case 'EXISTS': {
        const bad = arity(args, 1, 64);
        if (bad) return bad;
        let present = 0;
        for (const key of args.slice(1)) {
          const result = await run(service, {
            f: 'get',
            key,
            ...(service.staleReads ? { stale: true } : {}),
          });
          if (result.value !== null && result.value !== undefined) present++;
        }
        return resp.integer(present);
      }
      case 'INCR': {
        const bad = arity(args, 1);
        if (bad) return bad;
        const result = await service.execute({ f: 'incr', key: args[1] as string });
        if (!result.ok) return resp.error(`ERR ${result.error ?? 'refused'}`);
        return resp.integer(Number(result.value));
      }
      case 'APPEND': {
        const bad = arity(args, 2);
        if (bad) return bad;
        const result = await run(service, { f: 'append', key: args[1] as string, value: args[2] as string });
        return resp.integer(Buffer.byteLength(result.value ?? '', 'utf8'));
      }
      case 'CAS': {
        // CAS key expected new: 1 when the value was `expected` and is now `new`, else 0.
        const bad = arity(args, 3);
        if (bad) return bad;
        const result = await run(service, {
          f: 'cas',
          key: args[1] as string,
          from: args[2] as string,
          to: args[3] as string,
        });
        return resp.integer(result.ok ? 1 : 0);
      }
      case 'INFO': {
        const lines = Object.entries(service.status()).map(
          ([k, v]) => `${k}:${typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
        );
        return resp.bulk(`# dslab\r\n${lines.join('\r\n')}\r\n`);
      }
      case 'COMMAND':
      case 'CONFIG':
        return resp.array([]); // redis-cli and redis-benchmark ask at start; nothing to tell them
      case 'QUIT':
        return resp.simple('OK');
      default:
        return resp.error(`ERR unknown command '${(args[0] ?? '').slice(0, 64)}'`);
    }
  } catch (error) {
    if (error instanceof OutcomeUnknown) return resp.error(`TIMEOUT ${error.message}`);
    return resp.error(`ERR ${(error as Error).message}`);
  }
}

export interface RespServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startRespServer(
  address: Address,
  service: KvService,
  log?: (line: string) => void,
): Promise<RespServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const parser = new RespParser();
    const state = { authed: false };
    let chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      let commands: string[][];
      try {
        commands = parser.push(chunk);
      } catch (error) {
        const message = error instanceof RespProtocolError ? error.message : 'Protocol error';
        chain = chain.then(() => {
          socket.end(resp.error(`ERR ${message}`));
        });
        socket.pause();
        return;
      }
      for (const args of commands) {
        chain = chain.then(async () => {
          if (socket.destroyed) return;
          const reply = await answer(service, args, state);
          socket.write(reply);
          if ((args[0] ?? '').toUpperCase() === 'QUIT') socket.end();
        });
      }
    });
    socket.on('error', (error) => log?.(`resp client: ${error.message}`));
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      const bound = server.address();
      resolve(typeof bound === 'object' && bound ? bound.port : address.port);
    });
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

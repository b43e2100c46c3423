/**
 * A real HTTP server (node:http, loopback by default) in front of dslab's limiters: one limiter per
 * client key, the same algorithm code the simulator fuzzes. Every answer carries the limit headers:
 *
 * - `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds until the quota is back), as in
 *   the IETF httpapi draft "RateLimit header fields for HTTP" (its earlier revisions; later ones fold
 *   them into `RateLimit` and `RateLimit-Policy`, which we also send);
 * - `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (Unix seconds of the reset, as
 *   GitHub's API sends it);
 * - on a 429, `Retry-After` in whole seconds (HTTP's delay-seconds), rounded up so that a client that
 *   waits it finds room.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rateLimiting } from '@dslab/systems';

type Policy = rateLimiting.Policy;
type Limiter = rateLimiting.Limiter;
type Decision = rateLimiting.Decision;

/** The server keeps a limiter for at most this many client keys; past it, the least recently used goes. */
export const MAX_CLIENT_KEYS = 10_000;

export interface RateLimitServerOptions {
  readonly policy: Policy;
  readonly host?: string;
  /** 0 (default): a free port. */
  readonly port?: number;
  /** The client a request counts against: the `x-client-id` header, else the remote address. */
  readonly keyOf?: (request: IncomingMessage) => string;
  /** Milliseconds on a clock that never goes back (default: performance.now()). */
  readonly clock?: () => number;
  /** Wall-clock milliseconds, for X-RateLimit-Reset (default: Date.now()). */
  readonly wallClock?: () => number;
}

export interface RateLimitServer {
  readonly url: string;
  readonly port: number;
  readonly stats: { admitted: number; refused: number };
  /** Monotonic times (ms) of the admitted requests, when `recordAdmissions` was set. */
  readonly admittedAt: number[];
  recordAdmissions: boolean;
  close(): Promise<void>;
}

export interface LimitHeaders {
  readonly [name: string]: string;
}

/** The headers for a decision: the draft's fields, the X- forms, and Retry-After on a refusal. */
export function limitHeaders(decision: Decision, policy: Policy, wallNowMs: number): LimitHeaders {
  const resetSeconds = Math.ceil(decision.resetMs / 1_000);
  const windowSeconds = Math.max(1, Math.round(policy.windowMs / 1_000));
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(resetSeconds),
    'RateLimit-Policy': `${policy.limit};w=${windowSeconds}`,
    RateLimit: `limit=${decision.limit}, remaining=${decision.remaining}, reset=${resetSeconds}`,
    'X-RateLimit-Limit': String(decision.limit),
    'X-RateLimit-Remaining': String(decision.remaining),
    'X-RateLimit-Reset': String(Math.ceil((wallNowMs + decision.resetMs) / 1_000)),
  };
  if (!decision.admitted)
    headers['Retry-After'] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1_000)));
  return headers;
}

function defaultKey(request: IncomingMessage): string {
  const header = request.headers['x-client-id'];
  if (typeof header === 'string' && header.length > 0 && header.length <= 200) return header;
  return request.socket.remoteAddress ?? 'unknown';
}

export async function startRateLimitServer(options: RateLimitServerOptions): Promise<RateLimitServer> {
  const clock = options.clock ?? (() => performance.now());
  const wallClock = options.wallClock ?? (() => Date.now());
  const keyOf = options.keyOf ?? defaultKey;
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const limiters = new Map<string, Limiter>();
  const stats = { admitted: 0, refused: 0 };
  const admittedAt: number[] = [];

  const limiterFor = (key: string): Limiter => {
    let limiter = limiters.get(key);
    if (limiter !== undefined) {
      limiters.delete(key);
      limiters.set(key, limiter);
      return limiter;
    }
    if (limiters.size >= MAX_CLIENT_KEYS) limiters.delete(limiters.keys().next().value as string);
    limiter = rateLimiting.createLimiter(options.policy);
    limiters.set(key, limiter);
    return limiter;
  };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const now = clock();
    const decision = limiterFor(keyOf(request)).attempt(now);
    const headers = limitHeaders(decision, options.policy, wallClock());
    if (decision.admitted) {
      stats.admitted++;
      if (server.recordAdmissions) admittedAt.push(now);
      response.writeHead(200, { ...headers, 'Content-Type': 'text/plain' });
      response.end('ok\n');
    } else {
      stats.refused++;
      response.writeHead(429, { ...headers, 'Content-Type': 'application/json' });
      response.end(
        JSON.stringify({ error: 'rate limited', retryAfterSeconds: Number(headers['Retry-After']) }) + '\n',
      );
    }
    // The request body, if any, is not needed: drain it so the connection can be reused.
    request.resume();
  };

  const http: Server = createServer(handle);
  http.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = http.address() as AddressInfo;
  const server: RateLimitServer = {
    url: `http://${address}:${port}`,
    port,
    stats,
    admittedAt,
    recordAdmissions: false,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
  return server;
}

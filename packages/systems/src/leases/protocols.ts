/**
 * The ways a client can take the lock, behind one interface so the same client, workload and pauses
 * run over each: the lease service, Redlock over several Redis-like servers (one server is plain
 * `SET NX PX`), an etcd lease with a plain put, an etcd lease with the create-if-absent transaction,
 * and the term-CAS row in the storage itself.
 */
import type { Env } from '@dslab/sim';
import type { LeaseMessage } from './messages';
import type { Rpc } from './rpc';

export const lockProtocols = ['lease', 'redlock', 'etcd-put', 'etcd-txn', 'term-cas'] as const;
export type LockProtocolName = (typeof lockProtocols)[number];

/** What an acquisition gives: the fencing token (0 when the protocol has none) and how long it is valid. */
export interface Acquired {
  readonly token: number;
  /** Valid for this long from when the request was sent, by the client's own clock. */
  readonly validMs: number;
}

export interface LockProtocol {
  acquire(value: string, done: (acquired: Acquired | undefined) => void): void;
  /** Extends the lock; undefined when this protocol cannot (Redlock's holder re-acquires instead). */
  readonly renew?: (token: number, value: string, done: (ok: boolean) => void) => void;
  release(token: number, value: string): void;
}

export interface ProtocolConfig {
  readonly ttlMs: number;
  readonly session: string;
  readonly lockService: string;
  readonly storage: string;
  readonly etcd: string;
  /** The Redis-like servers (Redlock's N; one for plain SET NX PX). Mutable: a failover retargets it. */
  readonly redisNodes: string[];
  /** Per-request timeout. */
  readonly requestTimeoutMs: number;
  /** Redlock's allowance for clock drift between servers: validity = TTL − elapsed − this. */
  readonly driftMs: number;
}

export const LOCK_KEY = 'lock';

export function makeProtocol(
  name: LockProtocolName,
  env: Env<LeaseMessage>,
  rpc: Rpc,
  config: ProtocolConfig,
): LockProtocol {
  const timeout = config.requestTimeoutMs;
  switch (name) {
    case 'lease':
      return {
        acquire: (_value, done) =>
          rpc.call(
            config.lockService,
            (req) => ({ type: 'acquire', req, session: config.session, ttlMs: config.ttlMs }),
            timeout,
            (reply) =>
              done(reply?.type === 'granted' ? { token: reply.token, validMs: reply.ttlMs } : undefined),
          ),
        renew: (token, _value, done) =>
          rpc.call(
            config.lockService,
            (req) => ({ type: 'renew', req, session: config.session, token }),
            timeout,
            (reply) => done(reply?.type === 'renewed'),
          ),
        release: (token) => env.send(config.lockService, { type: 'release', session: config.session, token }),
      };
    case 'redlock':
      return redlock(env, rpc, config);
    case 'etcd-put':
    case 'etcd-txn':
      return etcdLock(name, rpc, config);
    case 'term-cas':
      return termCas(rpc, config);
  }
}

/**
 * Redlock (the Redis documentation's algorithm): SET NX PX on every server, acquired when a majority
 * said yes and the time spent is below the TTL less the drift allowance; otherwise undo everywhere.
 * With one server it is the single-instance lock.
 */
function redlock(env: Env<LeaseMessage>, rpc: Rpc, config: ProtocolConfig): LockProtocol {
  const releaseAll = (value: string) => {
    for (const node of config.redisNodes)
      rpc.call(
        node,
        (req) => ({ type: 'redis', req, command: { cmd: 'cad', key: LOCK_KEY, value } }),
        config.requestTimeoutMs,
        () => undefined,
      );
  };
  return {
    acquire: (value, done) => {
      const nodes = [...config.redisNodes];
      const started = env.monotonic();
      let replies = 0;
      let yes = 0;
      for (const node of nodes)
        rpc.call(
          node,
          (req) => ({
            type: 'redis',
            req,
            command: { cmd: 'set-nx-px', key: LOCK_KEY, value, ttlMs: config.ttlMs },
          }),
          config.requestTimeoutMs,
          (reply) => {
            replies++;
            if (reply?.type === 'redis-reply' && reply.ok) yes++;
            if (replies < nodes.length) return;
            const validMs = config.ttlMs - (env.monotonic() - started) - config.driftMs;
            if (yes >= Math.floor(nodes.length / 2) + 1 && validMs > 0) done({ token: 0, validMs });
            else {
              releaseAll(value);
              done(undefined);
            }
          },
        );
    },
    release: (_token, value) => releaseAll(value),
  };
}

/** An etcd lease, then either a plain put (overwrites) or the create-if-absent transaction. */
function etcdLock(name: 'etcd-put' | 'etcd-txn', rpc: Rpc, config: ProtocolConfig): LockProtocol {
  let lease = 0;
  const call = (
    command: Extract<LeaseMessage, { type: 'etcd' }>['command'],
    done: (ok: boolean, value: number) => void,
  ) =>
    rpc.call(
      config.etcd,
      (req) => ({ type: 'etcd', req, command }),
      config.requestTimeoutMs,
      (reply) => (reply?.type === 'etcd-reply' ? done(reply.ok, reply.value) : done(false, 0)),
    );
  return {
    acquire: (value, done) =>
      call({ cmd: 'lease-grant', ttlMs: config.ttlMs }, (granted, id) => {
        if (!granted) return done(undefined);
        lease = id;
        call(
          { cmd: name === 'etcd-put' ? 'put' : 'create', key: LOCK_KEY, value, lease: id },
          (ok, revision) => {
            // A lost race gives its lease back at once, as etcd's lock recipe does (a timed-out one expires).
            if (!ok) call({ cmd: 'revoke', lease: id }, () => undefined);
            done(ok ? { token: revision, validMs: config.ttlMs } : undefined);
          },
        );
      }),
    renew: (_token, _value, done) => call({ cmd: 'keep-alive', lease }, (ok) => done(ok)),
    release: (_token, value) => call({ cmd: 'delete', key: LOCK_KEY, value }, () => undefined),
  };
}

/**
 * The leader row in the storage: take over when the row's leader has not renewed for a TTL (or there is
 * none) with `UPDATE … SET term = term + 1 WHERE term = $seen`; the term is the token.
 */
function termCas(rpc: Rpc, config: ProtocolConfig): LockProtocol {
  return {
    acquire: (_value, done) =>
      rpc.call(
        config.storage,
        (req) => ({ type: 'read-row', req }),
        config.requestTimeoutMs,
        (row) => {
          if (row?.type !== 'row' || (row.leader !== '' && row.idleMs < config.ttlMs)) return done(undefined);
          rpc.call(
            config.storage,
            (req) => ({ type: 'take-over', req, seen: row.term, me: config.session }),
            config.requestTimeoutMs,
            (reply) =>
              done(
                reply?.type === 'row-updated' && reply.ok
                  ? { token: reply.term, validMs: config.ttlMs }
                  : undefined,
              ),
          );
        },
      ),
    renew: (token, _value, done) =>
      rpc.call(
        config.storage,
        (req) => ({ type: 'heartbeat', req, term: token }),
        config.requestTimeoutMs,
        (reply) => done(reply?.type === 'row-updated' && reply.ok),
      ),
    release: () => undefined,
  };
}

/**
 * A Redis-like server holding what a lock needs: SET key value NX PX ttl, the compare-and-delete release
 * script, DEL and GET. As in Redis, a key's expiry is an absolute time on the server's wall clock
 * (`env.now()`), checked when the key is touched: a clock that jumps forward expires keys early (the
 * Redlock hazard Kleppmann points at). Persistence is either none (a restart comes back empty) or an
 * append-only file synced on every write (`appendfsync always`), which stores absolute expiry times as
 * Redis's AOF does. A primary may stream its writes to one replica asynchronously, in batches every
 * `replicationDelayMs`: a primary that dies between a write and the next batch loses it on failover.
 */
import { invariant, type Env, type SimNode } from '@dslab/sim';
import type { LeaseMessage, RedisCommand, RedisMessage, ReplicatedOp } from './messages';

export type RedisPersistence = 'none' | 'always';

export interface RedisConfig {
  readonly persistence: RedisPersistence;
  /** The replica this primary streams to (none by default). */
  readonly replica?: string;
  readonly replicationDelayMs?: number;
  /** Starts as a replica: refuses commands until promoted. */
  readonly replicaOf?: string;
}

/** Writes waiting for the next replication batch, at most (Redis's repl-backlog, in operations). */
export const MAX_REPLICATION_BACKLOG = 4_096;

const AOF = 'appendonly.aof';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class RedisNode implements SimNode<LeaseMessage> {
  private readonly keys = new Map<string, { value: string; expiresAt: number }>();
  private backlog: ReplicatedOp[] = [];
  private flushing = false;
  private role: 'primary' | 'replica';
  commands = 0;

  constructor(
    private readonly env: Env<LeaseMessage>,
    private readonly config: RedisConfig,
  ) {
    this.role = config.replicaOf ? 'replica' : 'primary';
    if (config.persistence === 'always') {
      const log = env.disk.read(AOF);
      if (log)
        for (const line of decoder.decode(log).split('\n'))
          if (line) this.apply(JSON.parse(line) as ReplicatedOp);
    }
  }

  /** Sentinel's failover: the replica becomes a primary and takes commands. */
  promote(): void {
    this.role = 'primary';
    this.env.trace('promoted');
  }

  private apply(op: ReplicatedOp): void {
    if (op.op === 'set') this.keys.set(op.key, { value: op.value, expiresAt: op.expiresAt });
    else this.keys.delete(op.key);
  }

  /** A write: applied, logged (synced when persistent) and queued for the replica. */
  private write(op: ReplicatedOp): void {
    this.apply(op);
    if (this.config.persistence === 'always') {
      this.env.disk.append(AOF, encoder.encode(JSON.stringify(op) + '\n'));
      this.env.disk.sync();
    }
    const replica = this.config.replica;
    if (replica === undefined || this.role !== 'primary') return;
    invariant(
      this.backlog.length < MAX_REPLICATION_BACKLOG,
      'redis replication backlog',
      () => `more than ${MAX_REPLICATION_BACKLOG} writes waiting for ${replica}`,
    );
    this.backlog.push(op);
    if (!this.flushing) {
      this.flushing = true;
      this.env.setTimer(this.config.replicationDelayMs ?? 0, () => {
        this.flushing = false;
        const ops = this.backlog;
        this.backlog = [];
        this.env.send(replica, { type: 'replicate', ops });
      });
    }
  }

  /** The key's value when it exists and has not expired on this server's clock. */
  private live(key: string): string | undefined {
    const entry = this.keys.get(key);
    if (!entry) return undefined;
    if (this.env.now() >= entry.expiresAt) {
      this.keys.delete(key);
      return undefined;
    }
    return entry.value;
  }

  execute(command: RedisCommand): { ok: boolean; value?: string } {
    this.commands++;
    switch (command.cmd) {
      case 'set-nx-px': {
        if (this.live(command.key) !== undefined) return { ok: false };
        this.write({
          op: 'set',
          key: command.key,
          value: command.value,
          expiresAt: this.env.now() + command.ttlMs,
        });
        return { ok: true };
      }
      case 'cad': {
        if (this.live(command.key) !== command.value) return { ok: false };
        this.write({ op: 'del', key: command.key });
        return { ok: true };
      }
      case 'del': {
        const existed = this.live(command.key) !== undefined;
        if (existed) this.write({ op: 'del', key: command.key });
        return { ok: existed };
      }
      case 'get': {
        const value = this.live(command.key);
        return value === undefined ? { ok: false } : { ok: true, value };
      }
    }
  }

  onMessage(from: string, msg: LeaseMessage): void {
    if (msg.type === 'replicate') {
      if (this.role === 'replica' && from === this.config.replicaOf) for (const op of msg.ops) this.apply(op);
      return;
    }
    if (msg.type !== 'redis') return;
    if (this.role === 'replica') {
      this.env.send(from, { type: 'redis-reply', req: msg.req, ok: false, value: 'READONLY' });
      return;
    }
    const reply: RedisMessage = { type: 'redis-reply', req: msg.req, ...this.execute(msg.command) };
    this.env.send(from, reply);
  }

  snapshot(): { role: string; keys: number; lock: string | undefined; commands: number } {
    let lock: string | undefined;
    for (const [key, entry] of this.keys)
      if (this.env.now() < entry.expiresAt) lock = `${key}=${entry.value}`;
    return { role: this.role, keys: this.keys.size, lock, commands: this.commands };
  }
}

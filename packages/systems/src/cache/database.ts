/**
 * The database: a key-value table behind a fixed number of workers. A query holds a worker for its
 * service time; beyond `capacity` queries at once it waits in a queue of at most `queueBound`; past that
 * it is refused at once (the caller sees an error, as a connection pool that is exhausted answers).
 *
 * A query takes effect when a worker starts it (reads see the table as of that moment) and is answered
 * when its service time has passed. With `replicaLagMs`, reads are served by a replica that applies
 * each write that much later: they see the table as it was `replicaLagMs` ago.
 */
import { invariant, type Env, type NodeId, type SimNode } from '@dslab/sim';
import { mutantActive } from '../kit';
import type { CacheMessage, Val } from './messages';

/** Default bound on queries waiting for a worker. */
export const DB_QUEUE_BOUND = 64;
/** Versions of one key a lagging replica remembers. */
export const REPLICA_HISTORY_BOUND = 64;

export const databaseMutants = ['db-admits-all'] as const;

export interface DatabaseConfig {
  /** Queries served at once. */
  readonly capacity: number;
  readonly queueBound: number;
  readonly readMs: number;
  readonly writeMs: number;
  readonly replicaLagMs: number;
  /** Keys that exist from the start, at version 1 with value `<key>@1`. */
  readonly keys: readonly string[];
  /** Called when a query starts (true time is the harness's): what the scenarios count. */
  readonly onQuery?: (kind: 'read' | 'write', key: string, from: NodeId) => void;
  readonly onWrite?: (key: string, val: Val) => void;
  readonly onRefuse?: () => void;
  readonly mutant?: string;
}

type Query = {
  readonly from: NodeId;
  readonly msg: Extract<CacheMessage, { type: 'db-read' | 'db-write' | 'db-scan' }>;
};

export class Database implements SimNode<CacheMessage> {
  private readonly table = new Map<string, { version: number; value: string; at: number }[]>();
  private readonly queue: Query[] = [];
  inService = 0;
  reads = 0;
  writes = 0;
  refused = 0;
  peakInService = 0;
  peakQueue = 0;

  constructor(
    private readonly env: Env<CacheMessage>,
    private readonly config: DatabaseConfig,
  ) {
    invariant(config.capacity >= 1 && config.queueBound >= 0, 'database config', () => 'capacity ≥ 1');
    for (const key of config.keys) this.table.set(key, [{ version: 1, value: `${key}@1`, at: -Infinity }]);
  }

  /** The current value of a key (harness and invariants). */
  current(key: string): Val {
    const history = this.table.get(key);
    const last = history?.[history.length - 1];
    return last ? { version: last.version, value: last.value } : { version: 0, value: null };
  }

  get queued(): number {
    return this.queue.length;
  }

  onMessage(from: NodeId, msg: CacheMessage): void {
    if (msg.type !== 'db-read' && msg.type !== 'db-write' && msg.type !== 'db-scan') return;
    if (this.inService < this.config.capacity || mutantActive(this.config.mutant, 'db-admits-all')) {
      this.start({ from, msg });
      return;
    }
    if (this.queue.length >= this.config.queueBound) {
      this.refused++;
      this.config.onRefuse?.();
      this.env.send(from, { type: 'db-reply', id: msg.id, ok: false });
      return;
    }
    this.queue.push({ from, msg });
    this.peakQueue = Math.max(this.peakQueue, this.queue.length);
  }

  private start(query: Query): void {
    const { from, msg } = query;
    this.inService++;
    this.peakInService = Math.max(this.peakInService, this.inService);
    let val: Val = { version: 0, value: null };
    let vals: Val[] | undefined;
    if (msg.type === 'db-scan') {
      this.reads++;
      const at = this.env.monotonic() - this.config.replicaLagMs;
      vals = msg.keys.map((key) => this.readAt(key, at));
    } else if (msg.type === 'db-read') {
      this.reads++;
      this.config.onQuery?.('read', msg.key, from);
      val = this.readAt(msg.key, this.env.monotonic() - this.config.replicaLagMs);
    } else {
      this.writes++;
      this.config.onQuery?.('write', msg.key, from);
      val = this.writeDirect(msg.key, msg.value);
    }
    const ms = msg.type === 'db-read' ? this.config.readMs : this.config.writeMs;
    this.env.setTimer(ms, () => {
      this.inService--;
      this.env.send(from, { type: 'db-reply', id: msg.id, ok: true, val, ...(vals ? { vals } : {}) });
      const next = this.queue.shift();
      if (next !== undefined) this.start(next);
    });
  }

  /** A write that bypasses the application (another service, a batch job): the harness calls it. */
  writeDirect(key: string, value: string): Val {
    const history = this.table.get(key) ?? [];
    const version = (history[history.length - 1]?.version ?? 0) + 1;
    history.push({ version, value, at: this.env.monotonic() });
    if (history.length > REPLICA_HISTORY_BOUND) history.shift();
    this.table.set(key, history);
    const val = { version, value };
    this.config.onWrite?.(key, val);
    return val;
  }

  private readAt(key: string, at: number): Val {
    const history = this.table.get(key);
    if (history === undefined) return { version: 0, value: null };
    for (let i = history.length - 1; i >= 0; i--) {
      const entry = history[i] as { version: number; value: string; at: number };
      if (entry.at <= at) return { version: entry.version, value: entry.value };
    }
    const first = history[0] as { version: number; value: string };
    return { version: first.version, value: first.value };
  }

  snapshot() {
    return {
      inService: this.inService,
      queued: this.queue.length,
      reads: this.reads,
      writes: this.writes,
      refused: this.refused,
    };
  }
}

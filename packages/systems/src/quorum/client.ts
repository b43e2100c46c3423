/**
 * A client of the quorum store: it sends each request to a coordinator (any node), remembers the
 * context each read or write of a key returned and sends it back with its next write of that key
 * (read-modify-write, as Riak clients do), stamps writes with its own clock (what last-write-wins
 * orders by, as Cassandra drivers do), and records every operation for the checkers.
 *
 * Scenarios drive it request by request (`get`, `put`, with a callback); a workload, when given,
 * drives it on its own, one operation at a time.
 */
import type { HistoryRecorder } from '@dslab/check';
import type { Env, NodeId, SimNode, TimerId } from '@dslab/sim';
import type { QuorumObserver } from './invariants';
import type { Level, QuorumError, QuorumMessage } from './messages';
import { emptyVector, type VersionVector } from './versions';

/** Requests one client has in flight, at most (scripted scenarios may overlap many). */
export const MAX_CLIENT_IN_FLIGHT = 4_096;
/** Keys whose last context a client remembers, at most (the oldest is forgotten first). */
export const MAX_CONTEXTS = 4_096;
/** Finished requests a client keeps for scenarios' figures, at most (later ones are only counted). */
export const MAX_FINISHED_KEPT = 100_000;

export type ClientResult =
  | {
      readonly ok: true;
      readonly f: 'get';
      readonly values: readonly string[];
      readonly context: VersionVector;
      readonly latencyMs: number;
    }
  | { readonly ok: true; readonly f: 'put'; readonly acks: number; readonly latencyMs: number }
  | {
      readonly ok: false;
      readonly f: 'get' | 'put';
      readonly error: QuorumError | 'no reply';
      readonly latencyMs: number;
    };

/** An operation a workload asks for; a put without a value writes a fresh one. */
export type WorkloadOp =
  | { readonly f: 'get'; readonly key: string }
  | { readonly f: 'put'; readonly key: string; readonly value?: string };

export interface QuorumClientConfig {
  readonly nodes: readonly NodeId[];
  readonly trueNow: () => number;
  /** Without a reply in this long the request is abandoned (a write's outcome is then unknown). */
  readonly timeoutMs: number;
  /** The node every request goes to; a random node per request when absent. */
  readonly coordinator?: NodeId;
  readonly observer?: QuorumObserver;
  /** Records operations for the linearizability checker (then one operation at a time). */
  readonly recorder?: HistoryRecorder;
  readonly readLevel: Level;
  readonly writeLevel: Level;
  /** Drives the client on its own when given; undefined stops it. */
  readonly workload?: (random: () => number) => WorkloadOp | undefined;
  readonly thinkMs?: number;
}

interface InFlight {
  readonly f: 'get' | 'put';
  readonly key: string;
  readonly started: number;
  readonly historyId: number | undefined;
  readonly timer: TimerId;
  readonly done: ((result: ClientResult) => void) | undefined;
}

export class QuorumClient implements SimNode<QuorumMessage> {
  private nextId = 1;
  private written = 0;
  private readonly inFlight = new Map<number, InFlight>();
  private readonly contexts = new Map<string, VersionVector>();
  private process: string;
  private generation = 0;
  readonly counts = { ok: 0, failed: 0, unknown: 0, gets: 0, puts: 0 };
  /** Every finished request (for scenarios' latency and staleness figures). */
  readonly finished: { f: 'get' | 'put'; key: string; ok: boolean; startedAt: number; latencyMs: number }[] =
    [];

  constructor(
    private readonly env: Env<QuorumMessage>,
    private readonly config: QuorumClientConfig,
  ) {
    this.process = env.id;
    if (config.workload) this.scheduleNext();
  }

  private scheduleNext(): void {
    const think = this.config.thinkMs ?? 10;
    this.env.setTimer(think * (0.5 + this.env.random()), () => {
      const op = this.config.workload?.(() => this.env.random());
      if (!op) return;
      const next = () => this.scheduleNext();
      if (op.f === 'get') this.get(op.key, this.config.readLevel, next);
      else this.put(op.key, op.value ?? this.freshValue(), this.config.writeLevel, next);
    });
  }

  /** A value no other write uses: `<client>-<n>`. */
  freshValue(): string {
    return `${this.env.id}-${++this.written}`;
  }

  private coordinator(): NodeId {
    return (
      this.config.coordinator ??
      (this.config.nodes[Math.floor(this.env.random() * this.config.nodes.length)] as NodeId)
    );
  }

  get(
    key: string,
    level: Level = this.config.readLevel,
    done?: (result: ClientResult) => void,
    via?: NodeId,
  ): void {
    const id = this.begin(
      'get',
      key,
      done,
      this.config.recorder?.invoke(this.process, 'read', [key], this.config.trueNow()),
    );
    if (id === undefined) return;
    this.env.send(via ?? this.coordinator(), { type: 'get', id, client: this.env.id, key, level });
  }

  /** Writes `value` with the context of this client's last read or write of the key (or `context`). */
  put(
    key: string,
    value: string,
    level: Level = this.config.writeLevel,
    done?: (result: ClientResult) => void,
    options: { via?: NodeId; context?: VersionVector } = {},
  ): void {
    this.config.observer?.wrote(key, value);
    const id = this.begin(
      'put',
      key,
      done,
      this.config.recorder?.invoke(this.process, 'write', [key, value], this.config.trueNow()),
    );
    if (id === undefined) return;
    this.env.send(options.via ?? this.coordinator(), {
      type: 'put',
      id,
      client: this.env.id,
      key,
      value,
      level,
      context: options.context ?? this.contexts.get(key) ?? emptyVector(),
      ts: this.env.now(),
    });
  }

  /** The context this client would send with its next write of `key`. */
  contextFor(key: string): VersionVector {
    return this.contexts.get(key) ?? emptyVector();
  }

  private begin(
    f: 'get' | 'put',
    key: string,
    done: ((result: ClientResult) => void) | undefined,
    historyId: number | undefined,
  ): number | undefined {
    if (this.inFlight.size >= MAX_CLIENT_IN_FLIGHT) {
      if (historyId !== undefined) this.config.recorder?.fail(historyId, this.config.trueNow());
      done?.({ ok: false, f, error: 'overloaded', latencyMs: 0 });
      return undefined;
    }
    const id = this.nextId++;
    if (f === 'get') this.counts.gets++;
    else this.counts.puts++;
    const timer = this.env.setTimer(this.config.timeoutMs, () =>
      this.finish(id, { type: 'error', id, error: 'timeout' }, true),
    );
    this.inFlight.set(id, { f, key, started: this.config.trueNow(), historyId, timer, done });
    return id;
  }

  onMessage(_from: NodeId, msg: QuorumMessage): void {
    if ((msg.type === 'get-ok' || msg.type === 'put-ok' || msg.type === 'error') && this.inFlight.has(msg.id))
      this.finish(msg.id, msg, false);
  }

  private remember(key: string, context: VersionVector): void {
    if (!this.contexts.has(key) && this.contexts.size >= MAX_CONTEXTS)
      this.contexts.delete(this.contexts.keys().next().value as string);
    this.contexts.set(key, context);
  }

  private finish(
    id: number,
    msg: Extract<QuorumMessage, { type: 'get-ok' | 'put-ok' | 'error' }>,
    noReply: boolean,
  ): void {
    const op = this.inFlight.get(id) as InFlight;
    this.inFlight.delete(id);
    this.env.clearTimer(op.timer);
    const now = this.config.trueNow();
    const latencyMs = now - op.started;
    const recorder = this.config.recorder;
    let result: ClientResult;
    if (msg.type === 'get-ok') {
      this.remember(op.key, msg.context);
      this.config.observer?.readReturned(this.env.id, op.key, msg.values);
      result = { ok: true, f: 'get', values: msg.values, context: msg.context, latencyMs };
      if (op.historyId !== undefined)
        recorder?.ok(
          op.historyId,
          msg.values.length === 0 ? null : msg.values.length === 1 ? msg.values[0] : [...msg.values],
          now,
        );
    } else if (msg.type === 'put-ok') {
      this.remember(op.key, msg.context);
      result = { ok: true, f: 'put', acks: msg.acks, latencyMs };
      if (op.historyId !== undefined) recorder?.ok(op.historyId, undefined, now);
    } else {
      result = { ok: false, f: op.f, error: noReply ? 'no reply' : msg.error, latencyMs };
      // Refused before anything was sent: the write surely did not happen. Otherwise it may have.
      const surelyNot =
        !noReply &&
        (msg.error === 'unavailable' || msg.error === 'too many siblings' || msg.error === 'overloaded');
      if (op.historyId !== undefined) {
        if (surelyNot) recorder?.fail(op.historyId, now);
        else {
          recorder?.info(op.historyId, now);
          this.process = `${this.env.id}.${++this.generation}`;
        }
      }
    }
    if (result.ok) this.counts.ok++;
    else if (
      op.f === 'put' &&
      result.error !== 'unavailable' &&
      result.error !== 'too many siblings' &&
      result.error !== 'overloaded'
    )
      this.counts.unknown++;
    else this.counts.failed++;
    if (this.finished.length < MAX_FINISHED_KEPT)
      this.finished.push({ f: op.f, key: op.key, ok: result.ok, startedAt: op.started, latencyMs });
    op.done?.(result);
  }

  get busy(): number {
    return this.inFlight.size;
  }

  snapshot(): unknown {
    return { ...this.counts, inFlight: this.inFlight.size };
  }
}

/**
 * A KV client as a node of the World: one operation at a time, sent to the node it believes leads; on a
 * timeout it tries the next server with the same (client, seq), so a retry that lands twice is applied
 * once. Every operation is recorded for the linearizability checker with the harness's true clock
 * (Jepsen's single observer); an operation abandoned without an answer is recorded `info`.
 */
import type { Env, NodeId, SimNode, TimerId } from '@dslab/sim';
import type { HistoryRecorder } from '@dslab/check';
import type { ClientOp, KvResult, RaftMessage } from './types';

export interface ClientConfig {
  readonly servers: readonly NodeId[];
  readonly recorder: HistoryRecorder;
  /** True time for the history (the harness's clock, not this node's). */
  readonly trueNow: () => number;
  /** The next operation, or undefined to stop. Drawn with this client's random stream. */
  readonly nextOp: (random: () => number) => ClientOp | undefined;
  /** Per attempt, before trying another server. */
  readonly timeoutMs: number;
  /** Per operation, before giving up (`info` for a write: it may still apply). */
  readonly giveUpMs: number;
  /** Mean pause between operations. */
  readonly thinkMs: number;
}

interface Current {
  readonly op: ClientOp;
  readonly seq: number;
  readonly historyId: number | undefined;
  readonly startedAt: number;
  attempts: number;
  timer: TimerId | undefined;
}

export interface CompletedOp {
  readonly f: ClientOp['f'];
  readonly ok: boolean;
  readonly startedAt: number;
  readonly latencyMs: number;
}

export class KvClient implements SimNode<RaftMessage> {
  /** A new id per life: sequence numbers restart, and the servers' sessions must not confuse the two. */
  readonly clientId: string;
  private process: string;
  private generation = 0;
  private seq = 0;
  private target: number;
  private current: Current | undefined;
  private stopped = false;
  readonly completed: CompletedOp[] = [];
  /** Operations that succeeded (counted, so views need not scan `completed`). */
  okCount = 0;
  retries = 0;
  redirects = 0;
  /** Highest seq of a write the cluster acknowledged: it must survive anything that leaves a majority. */
  maxAckedWriteSeq = 0;

  constructor(
    private readonly env: Env<RaftMessage>,
    private readonly config: ClientConfig,
  ) {
    this.clientId = `${env.id}-${Math.floor(env.random() * 2 ** 31).toString(36)}`;
    this.process = env.id;
    this.target = Math.floor(env.random() * config.servers.length);
    this.scheduleNext();
  }

  /** The operation in flight, for the lab. */
  get inFlight(): { readonly op: ClientOp; readonly server: NodeId; readonly attempts: number } | undefined {
    const current = this.current;
    return current && { op: current.op, server: this.server(), attempts: current.attempts };
  }

  private server(): NodeId {
    return this.config.servers[this.target % this.config.servers.length] as NodeId;
  }

  private readonly onThought = (): void => this.issue();

  private scheduleNext(): void {
    if (this.stopped) return;
    const wait = this.config.thinkMs * (0.5 + this.env.random());
    this.env.setTimer(wait, this.onThought);
  }

  /** This client's random stream, for the workload (made once: it is handed over per operation). */
  private readonly random = (): number => this.env.random();

  private issue(): void {
    const op = this.config.nextOp(this.random);
    if (op === undefined) {
      this.stopped = true;
      return;
    }
    const now = this.config.trueNow();
    const historyId = record(this.config.recorder, this.process, op, now);
    this.current = { op, seq: ++this.seq, historyId, startedAt: now, attempts: 0, timer: undefined };
    this.attempt();
  }

  private attempt(): void {
    const current = this.current as Current;
    current.attempts++;
    this.env.send(this.server(), {
      type: 'request',
      client: this.clientId,
      seq: current.seq,
      op: current.op,
    });
    current.timer = this.env.setTimer(this.config.timeoutMs, this.onAttemptTimeout);
  }

  /**
   * The attempt in flight got no answer: try the next server, or give up. The operation is still the
   * current one (an answer clears this timer before the operation ends). Made once: one per attempt.
   */
  private readonly onAttemptTimeout = (): void => {
    const current = this.current as Current;
    current.timer = undefined;
    this.retries++;
    this.target++;
    if (this.config.trueNow() - current.startedAt >= this.config.giveUpMs) this.finish(undefined);
    else this.attempt();
  };

  onMessage(from: NodeId, msg: RaftMessage): void {
    const current = this.current;
    if (msg.type !== 'response' || !current || msg.seq !== current.seq || msg.client !== this.clientId)
      return;
    if (current.timer !== undefined) this.env.clearTimer(current.timer);
    current.timer = undefined;
    const result = msg.result;
    if (result.ok || result.error === 'compare failed') {
      this.finish(result);
      return;
    }
    // Not the leader (or busy): go where the server points, or to the next server, and try again.
    this.redirects++;
    const hint = msg.leader !== undefined ? this.config.servers.indexOf(msg.leader) : -1;
    this.target = hint >= 0 && msg.leader !== from ? hint : this.target + 1;
    const backoff = 5 + this.env.random() * 10 * Math.min(current.attempts, 10);
    current.timer = this.env.setTimer(backoff, () => {
      current.timer = undefined;
      if (this.config.trueNow() - current.startedAt >= this.config.giveUpMs) this.finish(undefined);
      else this.attempt();
    });
  }

  /** True once the workload ran out and nothing is in flight. */
  get done(): boolean {
    return this.stopped && this.current === undefined;
  }

  private finish(result: KvResult | undefined): void {
    const current = this.current as Current;
    this.current = undefined;
    if (result !== undefined && current.op.f !== 'get') this.maxAckedWriteSeq = current.seq;
    const now = this.config.trueNow();
    const id = current.historyId;
    if (id !== undefined) {
      if (result === undefined) {
        this.config.recorder.info(id, now);
        // The operation stays open forever: later operations belong to a new logical process.
        this.process = `${this.env.id}.${++this.generation}`;
      } else if (!result.ok) this.config.recorder.fail(id, now);
      else this.config.recorder.ok(id, current.op.f === 'get' ? (result.value ?? null) : undefined, now);
    }
    if (result?.ok === true) this.okCount++;
    this.completed.push({
      f: current.op.f,
      ok: result?.ok === true,
      startedAt: current.startedAt,
      latencyMs: now - current.startedAt,
    });
    this.scheduleNext();
  }

  snapshot(): unknown {
    return { clientId: this.clientId, completed: this.completed.length, inFlight: this.inFlight };
  }
}

/** Writes an operation in the checker's KV vocabulary (kvModel): [key, argument]. Admin ops are not recorded. */
function record(recorder: HistoryRecorder, process: string, op: ClientOp, now: number): number | undefined {
  switch (op.f) {
    case 'get':
      return recorder.invoke(process, 'read', [op.key], now);
    case 'put':
      return recorder.invoke(process, 'write', [op.key, op.value], now);
    case 'delete':
      return recorder.invoke(process, 'delete', [op.key], now);
    case 'incr':
      return undefined; // not in the checker's KV model
    case 'append':
      return recorder.invoke(process, 'append', [op.key, op.value], now);
    case 'cas':
      return recorder.invoke(process, 'cas', [op.key, [op.from, op.to]], now);
    default:
      return undefined;
  }
}

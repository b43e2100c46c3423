/**
 * The bridge from real clients to a KV node in this process: each command becomes a request message
 * with this gateway's session (client id, seq), sent to the node believed to lead — this process's node
 * directly, another node over the peer transport. "Not leader" answers redirect it; a timeout retries
 * the same (client, seq) elsewhere, which the session makes safe; past the deadline the outcome is
 * unknown and the caller is told so.
 */
import type { NodeId } from '@dslab/sim';
import { isKvResponse, type KvRequest, type KvOp, type KvResult } from '@dslab/systems/kv-protocol';

export interface GatewayOptions {
  readonly nodeId: NodeId;
  readonly peers: readonly NodeId[];
  /** Hands a request to this process's node. */
  readonly deliverLocal: (msg: KvRequest) => void;
  /** Sends a request to another node over the peer transport. */
  readonly sendRemote: (to: NodeId, msg: KvRequest) => void;
  readonly attemptTimeoutMs?: number;
  readonly deadlineMs?: number;
}

/** The outcome is unknown: the command may or may not have taken effect. */
export class OutcomeUnknown extends Error {
  constructor(detail: string) {
    super(`timeout, outcome unknown: ${detail}`);
    this.name = 'OutcomeUnknown';
  }
}

interface Pending {
  readonly request: KvRequest;
  readonly started: number;
  readonly resolve: (result: KvResult) => void;
  readonly reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  target: NodeId;
  attempts: number;
}

export class KvGateway {
  /** A fresh client id per process start: sequence numbers restart, sessions must not mix. */
  readonly clientId: string;
  private seq = 0;
  private leaderGuess: NodeId;
  private readonly pending = new Map<number, Pending>();
  private readonly members: NodeId[];
  private closed = false;
  redirects = 0;
  retries = 0;

  constructor(private readonly options: GatewayOptions) {
    this.clientId = `${options.nodeId}/gw-${process.pid}-${Date.now().toString(36)}`;
    this.leaderGuess = options.nodeId;
    this.members = [options.nodeId, ...options.peers];
  }

  /** True when `msg` is an answer for this gateway (the process routes it here instead of to the node). */
  owns(msg: unknown): boolean {
    return isKvResponse(msg) && msg.client === this.clientId;
  }

  execute(op: KvOp): Promise<KvResult> {
    if (this.closed) return Promise.reject(new Error('the node is shutting down'));
    const request: KvRequest = { type: 'request', client: this.clientId, seq: ++this.seq, op };
    return new Promise<KvResult>((resolve, reject) => {
      const pending: Pending = {
        request,
        started: Date.now(),
        resolve,
        reject,
        timer: undefined,
        target: op.f === 'get' && op.stale === true ? this.options.nodeId : this.leaderGuess,
        attempts: 0,
      };
      this.pending.set(request.seq, pending);
      this.attempt(pending);
    });
  }

  private attempt(pending: Pending): void {
    pending.attempts++;
    const { target, request } = pending;
    if (target === this.options.nodeId) this.options.deliverLocal(request);
    else this.options.sendRemote(target, request);
    pending.timer = setTimeout(() => {
      this.retries++;
      this.retry(pending, this.next(pending.target), 'no answer from ' + target);
    }, this.options.attemptTimeoutMs ?? 1_000);
  }

  private retry(pending: Pending, target: NodeId, why: string): void {
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    pending.timer = undefined;
    if (Date.now() - pending.started >= (this.options.deadlineMs ?? 5_000)) {
      this.pending.delete(pending.request.seq);
      pending.reject(new OutcomeUnknown(`${why} after ${pending.attempts} attempts`));
      return;
    }
    pending.target = target;
    // A short pause before a retry: an election is usually what is going on.
    pending.timer = setTimeout(() => this.attempt(pending), pending.attempts > 1 ? 20 : 0);
  }

  private next(after: NodeId): NodeId {
    const i = this.members.indexOf(after);
    return this.members[(i + 1) % this.members.length] as NodeId;
  }

  /** An answer arrived (from this node or over the transport). */
  receive(msg: unknown): void {
    if (!isKvResponse(msg)) return;
    const pending = this.pending.get(msg.seq);
    if (!pending) return; // a late or duplicate answer
    const { result } = msg;
    if (result.ok || (result.error !== 'not-leader' && result.error !== 'transferring leadership')) {
      if (pending.timer !== undefined) clearTimeout(pending.timer);
      this.pending.delete(msg.seq);
      if (pending.request.op.f !== 'get' || pending.request.op.stale !== true)
        this.leaderGuess = pending.target;
      pending.resolve(result);
      return;
    }
    this.redirects++;
    const hint = msg.leader;
    const target =
      hint !== undefined && this.members.includes(hint) && hint !== pending.target
        ? hint
        : this.next(pending.target);
    this.leaderGuess = target;
    this.retry(pending, target, result.error ?? 'refused');
  }

  close(): void {
    this.closed = true;
    for (const pending of this.pending.values()) {
      if (pending.timer !== undefined) clearTimeout(pending.timer);
      pending.reject(new Error('the node is shutting down'));
    }
    this.pending.clear();
  }
}

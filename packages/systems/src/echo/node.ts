/**
 * The smallest real system: every node pings random peers and answers pings. It exists to exercise
 * every path of the kernel, the CLI and the lab end to end, and to measure what a lossy link does to
 * a request–reply exchange.
 */
import type { Env, Message, NodeId, SimNode } from '@dslab/sim';
import { invariant } from '@dslab/sim';
import { mutantActive } from '../kit/mutants';

export const echoMutants = ['wrong-reply', 'count-late-reply'] as const;
export type EchoMutant = (typeof echoMutants)[number];

/**
 * `epoch` is drawn at each start: request numbers restart at 1 after a crash, so a late pong from a
 * previous life must not be mistaken for an answer (the fuzzer found exactly that bug).
 */
export type EchoMessage =
  | { readonly type: 'ping'; readonly epoch: number; readonly request: number; readonly sentAt: number }
  | { readonly type: 'pong'; readonly epoch: number; readonly request: number; readonly sentAt: number };

export interface EchoConfig {
  readonly peers: readonly NodeId[];
  /** Mean local milliseconds between pings. */
  readonly intervalMs: number;
  /** A ping without a pong after this long counts as failed. */
  readonly timeoutMs: number;
  /** Stop pinging after this many (0: forever). */
  readonly maxPings: number;
  /**
   * A deliberately broken variant: `wrong-reply` answers with a request number that was never asked;
   * `count-late-reply` also counts a reply that arrives after its request timed out as answered.
   */
  readonly mutant?: EchoMutant;
}

export interface EchoSnapshot {
  readonly id: NodeId;
  readonly sent: number;
  readonly answered: number;
  readonly timedOut: number;
  readonly outstanding: number;
  readonly meanRttMs: number;
}

export class EchoNode implements SimNode<EchoMessage & Message> {
  private nextRequest = 1;
  private readonly epoch: number;
  private readonly outstanding = new Map<number, number>(); // request → timeout timer
  /** Sum of round trips, for the mean: a sum, not a list, so a long run keeps constant memory. */
  rttSumMs = 0;
  sent = 0;
  answered = 0;
  timedOut = 0;
  /** Replies that matched no request this node made: must stay 0 (checked as an invariant). */
  unexpectedReplies = 0;

  constructor(
    private readonly env: Env<EchoMessage>,
    private readonly config: EchoConfig,
  ) {
    invariant(config.timeoutMs > 0, 'echo config', () => `timeoutMs must be > 0, got ${config.timeoutMs}`);
    this.epoch = Math.floor(env.random() * 2 ** 31);
    this.scheduleNext();
  }

  private scheduleNext(): void {
    if (this.config.maxPings > 0 && this.sent >= this.config.maxPings) return;
    const wait = this.config.intervalMs * (0.5 + this.env.random());
    this.env.setTimer(wait, () => {
      this.ping();
      this.scheduleNext();
    });
  }

  private ping(): void {
    const peers = this.config.peers.filter((peer) => peer !== this.env.id);
    if (peers.length === 0) return;
    const to = peers[Math.floor(this.env.random() * peers.length)] as NodeId;
    const request = this.nextRequest++;
    this.sent++;
    const timer = this.env.setTimer(this.config.timeoutMs, () => {
      this.outstanding.delete(request);
      this.timedOut++;
      this.env.trace('timeout', { request });
    });
    this.outstanding.set(request, timer);
    this.env.send(to, { type: 'ping', epoch: this.epoch, request, sentAt: this.env.now() });
  }

  onMessage(from: NodeId, msg: EchoMessage): void {
    if (msg.type === 'ping') {
      const request = mutantActive(this.config.mutant, 'wrong-reply') ? msg.request + 1_000_000 : msg.request;
      this.env.send(from, { type: 'pong', epoch: msg.epoch, request, sentAt: msg.sentAt });
      return;
    }
    if (msg.epoch !== this.epoch) return; // an answer to a previous incarnation of this node
    const timer = this.outstanding.get(msg.request);
    if (timer === undefined) {
      // A duplicate, a late reply after the timeout, or a reply to nothing we ever asked.
      if (msg.request >= this.nextRequest) this.unexpectedReplies++;
      else if (mutantActive(this.config.mutant, 'count-late-reply')) this.answered++;
      return;
    }
    this.env.clearTimer(timer);
    this.outstanding.delete(msg.request);
    this.answered++;
    this.rttSumMs += this.env.now() - msg.sentAt;
  }

  snapshot(): EchoSnapshot {
    return {
      id: this.env.id,
      sent: this.sent,
      answered: this.answered,
      timedOut: this.timedOut,
      outstanding: this.outstanding.size,
      meanRttMs: this.answered > 0 ? this.rttSumMs / this.answered : 0,
    };
  }
}

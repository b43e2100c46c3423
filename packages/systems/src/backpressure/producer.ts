/**
 * The producer: its users arrive as a Poisson stream (rate × the conditions' load), each request is sent
 * to the server with a timeout, and a timed-out attempt may be retried. How it reacts to a slower
 * consumer is its flow control:
 *  - `none`: it sends whatever arrives (an open loop);
 *  - `credits`: it holds one credit per slot of the server's queue and blocks — stops taking new work
 *    from upstream — while it has none (blocking backpressure);
 *  - `depth-signal`: it scales its own rate down when replies report a deep queue and back up when they
 *    report a short one (additive increase, multiplicative decrease).
 */
import { invariant, type Env, type NodeId, type SimNode, type TimerId } from '@dslab/sim';
import { mutantActive } from '../kit';
import { exponential, type Conditions } from './conditions';
import type { BackpressureMessage, Priority, Refusal } from './messages';

export type FlowControl = 'none' | 'credits' | 'depth-signal';

export interface ProducerConfig {
  /** Arrivals per second at load 1. */
  readonly rate: number;
  /** Share of requests that are high priority. */
  readonly highShare: number;
  readonly timeoutMs: number;
  /** Attempts per request, the first included. */
  readonly maxAttempts: number;
  /** Retries allowed per first attempt (a retry budget, as Finagle's); undefined: no budget. */
  readonly retryBudget: number | undefined;
  readonly flow: FlowControl;
  /** Credits for `credits` flow control: the server's queue bound plus its workers. */
  readonly credits: number;
  /** `depth-signal` slows down when a reply reports more queued requests than this. */
  readonly signalDepth: number;
  readonly mutant?: string | undefined;
}

/** The budget's savings cap: a quiet spell cannot save up an unbounded burst of retries. */
export const RETRY_BUDGET_CAP = 20;
/** Lowest share of its rate the depth signal may slow the producer to. */
const MIN_RATE_FACTOR = 0.02;
/** Multiplicative decrease per deep-queue reply, at most once per `SIGNAL_COOLDOWN_MS`. */
const DECREASE = 0.7;
const SIGNAL_COOLDOWN_MS = 50;
/** Additive increase per shallow-queue reply. */
const INCREASE = 0.01;

export type Failure = 'timeout' | Refusal;

/** What the producer tells the world-time ledger. */
export interface ProducerObserver {
  offered(priority: Priority): void;
  sent(attempt: number): void;
  served(priority: Priority, latencyMs: number): void;
  failed(priority: Priority, why: Failure): void;
  /** A reply to an attempt the producer had already given up on: work done for nobody. */
  late(): void;
  blocked(ms: number): void;
}

interface Outstanding {
  readonly id: number;
  readonly priority: Priority;
  attempt: number;
  sentAt: number;
  /** True while the current attempt's answer is awaited (its timeout has not fired). */
  awaited: boolean;
  timer: TimerId | undefined;
}

export interface ProducerSnapshot {
  readonly outstanding: number;
  readonly credits: number;
  readonly rateFactor: number;
  readonly blocked: boolean;
  readonly retryTokens: number;
}

export class Producer implements SimNode<BackpressureMessage> {
  private nextId = 1;
  private readonly outstanding = new Map<number, Outstanding>();
  private credits: number;
  private blockedSince: number | undefined;
  private rateFactor = 1;
  private lastDecrease = -Infinity;
  private retryTokens = 0;

  constructor(
    private readonly env: Env<BackpressureMessage>,
    private readonly server: NodeId,
    private readonly config: ProducerConfig,
    private readonly conditions: Conditions,
    private readonly observer: ProducerObserver,
  ) {
    invariant(config.rate > 0, 'producer config', () => `rate ${config.rate} <= 0`);
    invariant(config.maxAttempts >= 1, 'producer config', () => `maxAttempts ${config.maxAttempts} < 1`);
    this.credits = config.credits;
    this.scheduleArrival();
  }

  /** Requests neither served nor given up on. */
  get pending(): number {
    return this.outstanding.size;
  }

  private scheduleArrival(): void {
    const rate = this.config.rate * this.conditions.load * this.rateFactor;
    this.env.setTimer(exponential(1_000 / rate, this.env.random()), () => this.arrive());
  }

  private arrive(): void {
    if (!this.conditions.producing) return;
    if (this.config.flow === 'credits' && this.credits === 0) {
      // Blocked: upstream is not read until a credit comes back (see `returnCredit`).
      this.blockedSince = this.env.monotonic();
      return;
    }
    const priority: Priority = this.env.random() < this.config.highShare ? 'high' : 'low';
    const request: Outstanding = {
      id: this.nextId++,
      priority,
      attempt: 0,
      sentAt: 0,
      awaited: false,
      timer: undefined,
    };
    this.outstanding.set(request.id, request);
    this.observer.offered(priority);
    if (this.config.retryBudget !== undefined)
      this.retryTokens = Math.min(RETRY_BUDGET_CAP, this.retryTokens + this.config.retryBudget);
    this.send(request);
    this.scheduleArrival();
  }

  private send(request: Outstanding): void {
    if (this.config.flow === 'credits') this.credits--;
    request.attempt++;
    request.sentAt = this.env.monotonic();
    request.awaited = true;
    this.observer.sent(request.attempt);
    this.env.send(this.server, {
      type: 'request',
      id: request.id,
      attempt: request.attempt,
      priority: request.priority,
      timeoutMs: this.config.timeoutMs,
    });
    // The mutant forgets the timer of a retry: a retry whose message is lost waits forever.
    const armed = request.attempt === 1 || !mutantActive(this.config.mutant, 'retry-timeout-unarmed');
    request.timer = armed
      ? this.env.setTimer(this.config.timeoutMs, () => this.timedOut(request))
      : undefined;
  }

  private timedOut(request: Outstanding): void {
    request.timer = undefined;
    request.awaited = false;
    this.returnCredit();
    if (request.attempt < this.config.maxAttempts && this.mayRetry()) {
      this.send(request);
      return;
    }
    this.outstanding.delete(request.id);
    this.observer.failed(request.priority, 'timeout');
  }

  private mayRetry(): boolean {
    if (this.config.retryBudget === undefined) return true;
    if (this.retryTokens < 1) return false;
    this.retryTokens--;
    return true;
  }

  onMessage(_from: NodeId, msg: BackpressureMessage): void {
    if (msg.type !== 'reply') return;
    const request = this.outstanding.get(msg.id);
    if (request === undefined || msg.attempt !== request.attempt || !request.awaited) {
      if (msg.outcome === 'done') this.observer.late();
      return;
    }
    if (request.timer !== undefined) this.env.clearTimer(request.timer);
    request.timer = undefined;
    request.awaited = false;
    this.outstanding.delete(request.id);
    if (msg.outcome === 'done') this.observer.served(request.priority, this.env.monotonic() - request.sentAt);
    else this.observer.failed(request.priority, msg.outcome);
    this.adjustRate(msg.depth);
    this.returnCredit();
  }

  private adjustRate(depth: number): void {
    if (this.config.flow !== 'depth-signal') return;
    const now = this.env.monotonic();
    if (depth > this.config.signalDepth) {
      if (now - this.lastDecrease < SIGNAL_COOLDOWN_MS) return;
      this.lastDecrease = now;
      this.rateFactor = Math.max(MIN_RATE_FACTOR, this.rateFactor * DECREASE);
    } else this.rateFactor = Math.min(1, this.rateFactor + INCREASE);
  }

  private returnCredit(): void {
    if (this.config.flow !== 'credits') return;
    this.credits = Math.min(this.config.credits, this.credits + 1);
    if (this.blockedSince !== undefined) {
      this.observer.blocked(this.env.monotonic() - this.blockedSince);
      this.blockedSince = undefined;
      this.arrive();
    }
  }

  snapshot(): ProducerSnapshot {
    return {
      outstanding: this.outstanding.size,
      credits: this.credits,
      rateFactor: this.rateFactor,
      blocked: this.blockedSince !== undefined,
      retryTokens: this.retryTokens,
    };
  }
}

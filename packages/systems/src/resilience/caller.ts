/**
 * The calling side of one dependency, inside a client or a service: everything that stands between "I
 * need an answer from X" and a message on the wire. In order, for each attempt:
 *
 * 1. the bulkhead (a slot for this dependency, or refuse at once);
 * 2. the circuit breaker (leave to call, or refuse at once);
 * 3. an instance picked round robin among those not ejected as outliers;
 * 4. the call, with a timeout;
 * 5. on a retryable failure (error, shed, timeout), a retry after a backoff, if attempts and the retry
 *    budget allow.
 *
 * Every attempt and every request's final outcome is reported to the harness (`CallObserver`), which
 * measures in true time what the node cannot see.
 */
import { invariant, type Env, type NodeId, type TimerId } from '@dslab/sim';
import { Bulkhead } from './bulkhead';
import { CircuitBreaker, type BreakerConfig, type Permit } from './breaker';
import type { Outcome, ResilienceMessage } from './messages';
import { RetryBudget, backoffMs, validateRetryPolicy, type BudgetConfig, type RetryPolicy } from './retry';

/** Timed-out attempt ids remembered to recognise late answers, at most. */
export const MAX_TIMED_OUT_REMEMBERED = 4_096;

export interface EjectionConfig {
  /** Failures in a row from one instance that eject it. */
  readonly consecutiveFailures: number;
  /** How long an ejected instance is left out (doubled for each ejection after the first, capped ×8). */
  readonly ejectMs: number;
  /** At most this share of instances ejected at once (Envoy's max_ejection_percent). */
  readonly maxEjectedShare: number;
}

export interface CallPolicy {
  /** Infinity: wait for ever (no timeout). */
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly budget?: BudgetConfig;
  readonly breaker?: BreakerConfig;
  /** Most calls in flight to this dependency at once. */
  readonly bulkhead?: number;
  readonly ejection?: EjectionConfig;
}

export const callerMutants = [
  'retries-without-budget',
  'bulkhead-unbounded',
  'breaker-ignores-open',
  'timeouts-never-fire',
] as const;
export type CallerMutant = (typeof callerMutants)[number];

export interface AttemptRecord {
  readonly t: number;
  readonly caller: NodeId;
  readonly dependency: string;
  readonly instance: NodeId | undefined;
  readonly attempt: number;
  readonly outcome: Outcome;
  readonly latencyMs: number;
  readonly probe: boolean;
}

export interface CallObserver {
  attempt?(record: AttemptRecord): void;
  /** A call went on the wire (true time is the harness's). */
  sent?(caller: NodeId, instance: NodeId, route: string): void;
}

export type CallDone = (outcome: Outcome, attempts: number) => void;

interface Request {
  readonly route: string;
  readonly bad: boolean;
  readonly done: CallDone;
  attempt: number;
  previousSleep: number;
}

interface Attempt {
  readonly request: Request;
  readonly instance: NodeId;
  readonly sentAt: number;
  readonly permit: Permit | undefined;
  readonly timer: TimerId | undefined;
}

interface InstanceHealth {
  failuresInARow: number;
  ejectedUntil: number;
  ejections: number;
}

export class Caller {
  readonly breaker: CircuitBreaker | undefined;
  readonly bulkhead: Bulkhead | undefined;
  readonly budget: RetryBudget | undefined;
  private readonly inFlight = new Map<number, Attempt>();
  private readonly health = new Map<NodeId, InstanceHealth>();
  private nextInstance = 0;
  private readonly createdAt: number;
  requests = 0;
  attempts = 0;
  retries = 0;
  /** Calls put on the wire while the breaker said open: must stay 0. */
  sentWhileOpen = 0;
  /** Answers that came after their attempt had timed out: work the callee did for nobody. */
  lateReplies = 0;
  ejections = 0;
  longestSleepMs = 0;

  constructor(
    private readonly env: Env<ResilienceMessage>,
    readonly dependency: string,
    readonly instances: readonly NodeId[],
    readonly policy: CallPolicy,
    private readonly ids: { next: number },
    private readonly observer: CallObserver = {},
    private readonly mutant?: CallerMutant,
  ) {
    if (instances.length === 0) throw new RangeError(`dependency ${dependency} has no instances`);
    if (!(policy.timeoutMs > 0))
      throw new RangeError(`timeoutMs must be > 0 (Infinity for none), got ${policy.timeoutMs}`);
    validateRetryPolicy(policy.retry);
    this.breaker = policy.breaker ? new CircuitBreaker(policy.breaker) : undefined;
    this.bulkhead =
      policy.bulkhead !== undefined
        ? new Bulkhead(policy.bulkhead, mutant === 'bulkhead-unbounded')
        : undefined;
    this.budget = policy.budget ? new RetryBudget(policy.budget) : undefined;
    for (const id of instances)
      this.health.set(id, { failuresInARow: 0, ejectedUntil: -Infinity, ejections: 0 });
    this.createdAt = env.monotonic();
  }

  get pending(): number {
    return this.inFlight.size;
  }

  /** Instances ejected now. */
  ejected(): NodeId[] {
    const now = this.env.monotonic();
    return this.instances.filter((id) => (this.health.get(id) as InstanceHealth).ejectedUntil > now);
  }

  /** The most retries the budget allowed so far (Infinity without a budget). */
  retryBound(): number {
    return this.budget ? this.budget.bound(this.env.monotonic() - this.createdAt) : Infinity;
  }

  call(route: string, bad: boolean, done: CallDone): void {
    this.requests++;
    this.budget?.onRequest(this.env.monotonic());
    this.attempt({ route, bad, done, attempt: 1, previousSleep: 0 });
  }

  /** True when the message was an answer to one of this caller's attempts. */
  onReply(from: NodeId, msg: Extract<ResilienceMessage, { type: 'reply' }>): boolean {
    const attempt = this.inFlight.get(msg.id);
    if (attempt === undefined) {
      if (this.ownsLate(msg.id)) {
        this.lateReplies++;
        return true;
      }
      return false;
    }
    invariant(
      attempt.instance === from,
      'replies come from the callee',
      () => `${msg.id} answered by ${from}`,
    );
    this.finishAttempt(msg.id, attempt, msg.status);
    return true;
  }

  /** Ids of attempts that timed out, so a late answer is recognised (the oldest forgotten past the bound). */
  private readonly given = new Set<number>();
  private ownsLate(id: number): boolean {
    return this.given.delete(id);
  }

  private giveUp(id: number): void {
    this.given.add(id);
    if (this.given.size > MAX_TIMED_OUT_REMEMBERED)
      this.given.delete(this.given.values().next().value as number);
  }

  private attempt(request: Request): void {
    const now = this.env.monotonic();
    if (this.bulkhead && !this.bulkhead.tryEnter())
      return this.end(request, 'bulkhead-full', undefined, 0, false);
    const instance = this.pickInstance(now);
    if (instance === undefined) {
      this.bulkhead?.leave();
      return this.end(request, 'no-instance', undefined, 0, false);
    }
    let permit: Permit | undefined;
    if (this.breaker) {
      permit = this.breaker.tryAcquire(now);
      if (permit === undefined && this.mutant !== 'breaker-ignores-open') {
        this.bulkhead?.leave();
        return this.end(request, 'breaker-open', instance, 0, false);
      }
      // Counted from the breaker's own state, apart from the decision above: the check's evidence.
      if (this.breaker.state(now) === 'open') this.sentWhileOpen++;
    }
    const id = this.ids.next++;
    const timer =
      Number.isFinite(this.policy.timeoutMs) && this.mutant !== 'timeouts-never-fire'
        ? this.env.setTimer(this.policy.timeoutMs, () => {
            const attempt = this.inFlight.get(id);
            if (attempt === undefined) return;
            this.giveUp(id);
            this.finishAttempt(id, attempt, 'timeout');
          })
        : undefined;
    this.inFlight.set(id, { request, instance, sentAt: now, permit, timer });
    this.attempts++;
    this.observer.sent?.(this.env.id, instance, request.route);
    this.env.send(instance, { type: 'call', id, route: request.route, bad: request.bad });
  }

  private finishAttempt(id: number, attempt: Attempt, status: Outcome): void {
    this.inFlight.delete(id);
    if (attempt.timer !== undefined && status !== 'timeout') this.env.clearTimer(attempt.timer);
    this.bulkhead?.leave();
    const now = this.env.monotonic();
    const failed = status === 'error' || status === 'shed' || status === 'timeout';
    if (this.breaker && attempt.permit) {
      if (failed) this.breaker.onFailure(now, attempt.permit);
      else this.breaker.onSuccess(now, attempt.permit);
    }
    this.noteHealth(attempt.instance, failed, now);
    const { request } = attempt;
    this.report(request, attempt.instance, status, now - attempt.sentAt, attempt.permit?.probe ?? false);
    if (!failed || request.attempt >= this.policy.retry.maxAttempts) {
      request.done(status, request.attempt);
      return;
    }
    const budgetOk =
      this.budget === undefined || this.mutant === 'retries-without-budget' || this.budget.tryRetry(now);
    if (!budgetOk) {
      request.done(status, request.attempt);
      return;
    }
    const sleep = backoffMs(this.policy.retry, request.attempt, request.previousSleep, () =>
      this.env.random(),
    );
    request.previousSleep = sleep;
    this.longestSleepMs = Math.max(this.longestSleepMs, sleep);
    request.attempt++;
    this.retries++;
    if (sleep <= 0) this.attempt(request);
    else this.env.setTimer(sleep, () => this.attempt(request));
  }

  private end(
    request: Request,
    outcome: Outcome,
    instance: NodeId | undefined,
    latency: number,
    probe: boolean,
  ): void {
    this.report(request, instance, outcome, latency, probe);
    request.done(outcome, request.attempt);
  }

  private report(
    request: Request,
    instance: NodeId | undefined,
    outcome: Outcome,
    latencyMs: number,
    probe: boolean,
  ) {
    this.observer.attempt?.({
      t: this.env.monotonic(),
      caller: this.env.id,
      dependency: this.dependency,
      instance,
      attempt: request.attempt,
      outcome,
      latencyMs,
      probe,
    });
  }

  private noteHealth(instance: NodeId, failed: boolean, now: number): void {
    const ejection = this.policy.ejection;
    if (!ejection) return;
    const h = this.health.get(instance) as InstanceHealth;
    if (!failed) {
      h.failuresInARow = 0;
      return;
    }
    h.failuresInARow++;
    if (h.failuresInARow < ejection.consecutiveFailures || h.ejectedUntil > now) return;
    const ejectedNow = this.ejected().length;
    if (ejectedNow + 1 > Math.floor(ejection.maxEjectedShare * this.instances.length)) return;
    h.ejections++;
    h.ejectedUntil = now + ejection.ejectMs * Math.min(8, 2 ** (h.ejections - 1));
    h.failuresInARow = 0;
    this.ejections++;
  }

  private pickInstance(now: number): NodeId | undefined {
    for (let i = 0; i < this.instances.length; i++) {
      const id = this.instances[(this.nextInstance + i) % this.instances.length] as NodeId;
      if ((this.health.get(id) as InstanceHealth).ejectedUntil <= now) {
        this.nextInstance = (this.nextInstance + i + 1) % this.instances.length;
        return id;
      }
    }
    return undefined;
  }
}

/**
 * A service in the graph: a pool of `workers` (threads), a bounded queue in front of it, some work of its
 * own per request, and calls to its dependencies (each through its own `Caller`) while the worker waits
 * — the thread-per-request model whose arithmetic is Little's law: workers busy = arrival rate × time a
 * request holds one. When every worker is busy and the queue is full, a request is shed at once.
 *
 * Optional, in front of the pool: an adaptive concurrency limit (admission control, shedding what is
 * over the limit) and a queue timeout (a request that waited longer than its caller will wait is shed
 * rather than served for nobody).
 *
 * Failure modes, set by the harness as faults: `slow` (work takes `factor` times longer), `error`
 * (a share of requests fail after their work), `down` (nothing answers: a black hole), `refuse` (every
 * request is refused at once, like a closed port).
 */
import { invariant, type Env, type NodeId, type SimNode } from '@dslab/sim';
import { ConcurrencyLimiter, type LimiterConfig } from './adaptive';
import { Caller, type CallObserver, type CallPolicy, type CallerMutant } from './caller';
import type { Outcome, ResilienceMessage } from './messages';
import { logNormal } from './sampling';

export type ServiceMode =
  | { readonly kind: 'healthy' }
  | { readonly kind: 'slow'; readonly factor: number }
  | { readonly kind: 'error'; readonly rate: number }
  | { readonly kind: 'down' }
  | { readonly kind: 'refuse' };

export interface DependencySpec {
  readonly service: string;
  readonly instances: readonly NodeId[];
  readonly policy: CallPolicy;
}

export interface ServiceConfig {
  /** The logical service this node is an instance of. */
  readonly service: string;
  readonly workers: number;
  readonly queue: number;
  readonly workMedianMs: number;
  readonly workP99Ms: number;
  readonly dependencies: readonly DependencySpec[];
  /** Route → the dependencies called for it, in order (absent: a leaf for that route). */
  readonly routes: Readonly<Record<string, readonly string[]>>;
  readonly limiter?: LimiterConfig;
  /** Shed a request that waited in the queue longer than this. */
  readonly queueTimeoutMs?: number;
  readonly observer?: ServiceObserver;
  readonly mutant?: CallerMutant;
}

export interface ServiceObserver extends CallObserver {
  /** A request reached this node (true time is the harness's). */
  arrived?(node: NodeId, route: string): void;
  answered?(node: NodeId, status: Outcome, busy: number, queued: number): void;
  /** A worker was held for `heldMs` by one request (Little's law's W). */
  held?(node: NodeId, heldMs: number): void;
}

interface Job {
  readonly from: NodeId;
  readonly id: number;
  readonly route: string;
  readonly bad: boolean;
  readonly arrivedAt: number;
  /** When a worker took it. */
  startedAt: number;
  /** Admitted by the limiter (and to be released to it). */
  limited: boolean;
}

export class ServiceNode implements SimNode<ResilienceMessage> {
  readonly callers = new Map<string, Caller>();
  readonly limiter: ConcurrencyLimiter | undefined;
  private readonly waiting: Job[] = [];
  private waitingHead = 0;
  private mode: ServiceMode = { kind: 'healthy' };
  private readonly ids = { next: 1 };
  busy = 0;
  peakBusy = 0;
  peakQueued = 0;
  served = 0;
  failed = 0;
  shed = 0;

  constructor(
    private readonly env: Env<ResilienceMessage>,
    readonly config: ServiceConfig,
  ) {
    if (!Number.isSafeInteger(config.workers) || config.workers < 1)
      throw new RangeError(`${config.service}: workers must be a positive integer, got ${config.workers}`);
    if (!Number.isSafeInteger(config.queue) || config.queue < 0)
      throw new RangeError(`${config.service}: queue must be an integer ≥ 0, got ${config.queue}`);
    for (const dep of config.dependencies)
      this.callers.set(
        dep.service,
        new Caller(env, dep.service, dep.instances, dep.policy, this.ids, config.observer, config.mutant),
      );
    for (const [route, deps] of Object.entries(config.routes))
      for (const dep of deps)
        if (!this.callers.has(dep))
          throw new RangeError(`${config.service}: route ${route} calls unknown ${dep}`);
    this.limiter = config.limiter ? new ConcurrencyLimiter(config.limiter) : undefined;
  }

  get queued(): number {
    return this.waiting.length - this.waitingHead;
  }

  setMode(mode: ServiceMode): void {
    this.mode = mode;
  }

  get currentMode(): ServiceMode {
    return this.mode;
  }

  onMessage(from: NodeId, msg: ResilienceMessage): void {
    if (msg.type === 'reply') {
      for (const caller of this.callers.values()) if (caller.onReply(from, msg)) return;
      return;
    }
    this.config.observer?.arrived?.(this.env.id, msg.route);
    if (this.mode.kind === 'down') return;
    if (this.mode.kind === 'refuse') return this.answer(from, msg.id, 'error');
    const job: Job = {
      from,
      id: msg.id,
      route: msg.route,
      bad: msg.bad,
      arrivedAt: this.env.monotonic(),
      startedAt: 0,
      limited: false,
    };
    if (this.limiter) {
      if (!this.limiter.tryAcquire()) return this.answer(from, msg.id, 'shed');
      job.limited = true;
    }
    if (this.busy < this.config.workers) return this.start(job);
    if (this.queued >= this.config.queue) return this.finish(job, 'shed');
    this.waiting.push(job);
    this.peakQueued = Math.max(this.peakQueued, this.queued);
    invariant(
      this.queued <= this.config.queue,
      'service queues bounded',
      () => `${this.env.id} queue ${this.queued}`,
    );
  }

  private start(job: Job): void {
    const now = this.env.monotonic();
    if (this.config.queueTimeoutMs !== undefined && now - job.arrivedAt > this.config.queueTimeoutMs)
      return this.finish(job, 'shed');
    job.startedAt = now;
    this.busy++;
    this.peakBusy = Math.max(this.peakBusy, this.busy);
    invariant(
      this.busy <= this.config.workers,
      'service pools bounded',
      () => `${this.env.id} busy ${this.busy}`,
    );
    if (job.bad) return this.release(job, 'bad-request');
    const factor = this.mode.kind === 'slow' ? this.mode.factor : 1;
    const work = logNormal(() => this.env.random(), this.config.workMedianMs, this.config.workP99Ms) * factor;
    this.env.setTimer(work, () => {
      if (this.mode.kind === 'error' && this.env.random() < this.mode.rate) return this.release(job, 'error');
      this.callNext(job, this.config.routes[job.route] ?? [], 0);
    });
  }

  /** Calls the route's dependencies one after another; the first failure fails the request. */
  private callNext(job: Job, deps: readonly string[], index: number): void {
    if (index >= deps.length) return this.release(job, 'ok');
    const caller = this.callers.get(deps[index] as string) as Caller;
    caller.call(job.route, false, (outcome) => {
      if (outcome !== 'ok') return this.release(job, 'error');
      this.callNext(job, deps, index + 1);
    });
  }

  /** A worker is done with `job`: answer, then take the next waiting job. */
  private release(job: Job, status: 'ok' | 'error' | 'bad-request'): void {
    this.busy--;
    this.config.observer?.held?.(this.env.id, this.env.monotonic() - job.startedAt);
    this.finish(job, status);
    while (this.busy < this.config.workers && this.queued > 0) {
      const next = this.waiting[this.waitingHead++] as Job;
      // Compacted in halves, so dequeuing stays O(1) amortised.
      if (this.waitingHead > 1_024 && this.waitingHead * 2 > this.waiting.length) {
        this.waiting.splice(0, this.waitingHead);
        this.waitingHead = 0;
      }
      this.start(next);
    }
  }

  private finish(job: Job, status: 'ok' | 'error' | 'shed' | 'bad-request'): void {
    if (job.limited)
      this.limiter?.release(this.env.monotonic() - job.arrivedAt, status === 'error' || status === 'shed');
    this.answer(job.from, job.id, status);
  }

  private answer(to: NodeId, id: number, status: 'ok' | 'error' | 'shed' | 'bad-request'): void {
    if (status === 'ok') this.served++;
    else if (status === 'shed') this.shed++;
    else this.failed++;
    this.config.observer?.answered?.(this.env.id, status, this.busy, this.queued);
    this.env.send(to, { type: 'reply', id, status });
  }

  snapshot() {
    return {
      service: this.config.service,
      mode: this.mode.kind,
      busy: this.busy,
      queued: this.queued,
      served: this.served,
      failed: this.failed,
      shed: this.shed,
      limit: this.limiter?.limit,
    };
  }
}

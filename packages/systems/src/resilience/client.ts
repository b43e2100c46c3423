/**
 * A client: sends requests into the graph at Poisson arrivals (an open loop: users do not wait for each
 * other, so a slow service does not slow the arrivals down, as it does in production), through its own
 * `Caller` (timeout, retries, breaker). The rate follows a schedule of steps, so a scenario can cut
 * traffic and ramp it back.
 */
import type { Env, NodeId, SimNode } from '@dslab/sim';
import { Caller, type CallObserver, type CallPolicy, type CallerMutant } from './caller';
import type { Outcome, ResilienceMessage } from './messages';
import { exponentialGap } from './sampling';

export interface RateStep {
  /** From this time (the client's clock) on… */
  readonly fromMs: number;
  /** …this many requests per second (0: pause). */
  readonly perSecond: number;
}

export interface ClientConfig {
  readonly frontend: string;
  readonly instances: readonly NodeId[];
  readonly policy: CallPolicy;
  readonly rate: readonly RateStep[];
  /** Route names with their weights. */
  readonly routes: readonly { readonly route: string; readonly weight: number }[];
  /** Share of requests that are malformed (answered 4xx whatever the service's health). */
  readonly badShare: number;
  readonly stopAtMs: number;
  readonly observer?: ClientObserver;
  readonly mutant?: CallerMutant;
}

export interface ClientObserver extends CallObserver {
  completed?(client: NodeId, route: string, outcome: Outcome, latencyMs: number, attempts: number): void;
}

export class ClientNode implements SimNode<ResilienceMessage> {
  readonly caller: Caller;
  private readonly totalWeight: number;
  requests = 0;
  ok = 0;
  failed = 0;

  constructor(
    private readonly env: Env<ResilienceMessage>,
    readonly config: ClientConfig,
  ) {
    if (config.routes.length === 0) throw new RangeError('a client needs at least one route');
    this.totalWeight = config.routes.reduce((sum, r) => sum + r.weight, 0);
    if (!(this.totalWeight > 0)) throw new RangeError('route weights must add up to more than 0');
    if (config.rate.length === 0) throw new RangeError('a client needs a rate schedule');
    this.caller = new Caller(
      env,
      config.frontend,
      config.instances,
      config.policy,
      { next: 1 },
      config.observer,
      config.mutant,
    );
    this.schedule();
  }

  private rateNow(now: number): number {
    let rate = 0;
    for (const step of this.config.rate) if (step.fromMs <= now) rate = step.perSecond;
    return rate;
  }

  /** The next rate change after `now`, if any. */
  private nextStep(now: number): number | undefined {
    let next: number | undefined;
    for (const step of this.config.rate)
      if (step.fromMs > now && (next === undefined || step.fromMs < next)) next = step.fromMs;
    return next;
  }

  private schedule(): void {
    const now = this.env.monotonic();
    if (now >= this.config.stopAtMs) return;
    const rate = this.rateNow(now);
    const change = this.nextStep(now);
    if (rate <= 0) {
      if (change !== undefined) this.env.setTimer(change - now, () => this.schedule());
      return;
    }
    const gap = exponentialGap(() => this.env.random(), 1_000 / rate);
    // A draw past the next rate change is redrawn from there (memoryless, so this is exact).
    if (change !== undefined && now + gap >= change) {
      this.env.setTimer(change - now, () => this.schedule());
      return;
    }
    this.env.setTimer(gap, () => {
      if (this.env.monotonic() >= this.config.stopAtMs) return;
      this.send();
      this.schedule();
    });
  }

  private pickRoute(): string {
    let x = this.env.random() * this.totalWeight;
    for (const r of this.config.routes) {
      x -= r.weight;
      if (x < 0) return r.route;
    }
    return (this.config.routes[this.config.routes.length - 1] as { route: string }).route;
  }

  private send(): void {
    const route = this.pickRoute();
    const bad = this.config.badShare > 0 && this.env.random() < this.config.badShare;
    const started = this.env.monotonic();
    this.requests++;
    this.caller.call(route, bad, (outcome, attempts) => {
      if (outcome === 'ok') this.ok++;
      else this.failed++;
      this.config.observer?.completed?.(
        this.env.id,
        route,
        outcome,
        this.env.monotonic() - started,
        attempts,
      );
    });
  }

  onMessage(from: NodeId, msg: ResilienceMessage): void {
    if (msg.type === 'reply') this.caller.onReply(from, msg);
  }

  snapshot() {
    return { requests: this.requests, ok: this.ok, failed: this.failed, pending: this.caller.pending };
  }
}

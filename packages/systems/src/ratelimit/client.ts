/**
 * A client of the rate-limited service: requests at a steady Poisson rate and/or in bursts, spread
 * over the servers round robin (the load balancer). On a 429 it gives up, retries at once (a retry
 * storm), or waits what Retry-After said, in the whole seconds the header carries.
 */
import type { Env, NodeId, SimNode } from '@dslab/sim';
import type { RateMessage } from './messages';

export const retryPolicies = ['none', 'immediate', 'retry-after'] as const;
export type RetryPolicy = (typeof retryPolicies)[number];

/** A client keeps at most this many requests in flight; past it, new ones are not sent (and counted). */
export const MAX_OUTSTANDING = 4_096;

export interface ClientConfig {
  readonly servers: readonly NodeId[];
  readonly tenant: string;
  readonly endpoints: readonly string[];
  /** Mean requests per second (Poisson); 0 for none. */
  readonly ratePerSecond: number;
  /** Requests sent back to back every `burstEveryMs` (0: no bursts). */
  readonly burstSize: number;
  readonly burstEveryMs: number;
  readonly retry: RetryPolicy;
  /** Attempts per request at most, retries included. */
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  /** The client stops starting new requests after this (virtual ms of its clock). */
  readonly stopAtMs: number;
}

export class RateClient implements SimNode<RateMessage> {
  private next = 1;
  private rr = 0;
  private readonly outstanding = new Map<
    number,
    { attempts: number; endpoint: string; timer: number; retrying: boolean }
  >();
  /** Requests started (not attempts). */
  requests = 0;
  attempts = 0;
  admitted = 0;
  refused = 0;
  unavailable = 0;
  timedOut = 0;
  gaveUp = 0;
  skipped = 0;
  /** Attempts that were retries of a refused request. */
  retries = 0;
  /** Requests refused at least once (their first attempt was refused). */
  refusedFirst = 0;

  constructor(
    private readonly env: Env<RateMessage>,
    private readonly config: ClientConfig,
  ) {
    if (config.ratePerSecond > 0) this.scheduleSteady();
    if (config.burstSize > 0 && config.burstEveryMs > 0)
      this.scheduleBurst(config.burstEveryMs * env.random());
  }

  private scheduleSteady(): void {
    const gap = (-Math.log(1 - this.env.random()) * 1_000) / this.config.ratePerSecond;
    this.env.setTimer(gap, () => {
      if (this.env.now() >= this.config.stopAtMs) return;
      this.start();
      this.scheduleSteady();
    });
  }

  private scheduleBurst(delay: number): void {
    this.env.setTimer(delay, () => {
      if (this.env.now() >= this.config.stopAtMs) return;
      for (let i = 0; i < this.config.burstSize; i++) this.start();
      this.scheduleBurst(this.config.burstEveryMs);
    });
  }

  private start(): void {
    if (this.outstanding.size >= MAX_OUTSTANDING) {
      this.skipped++;
      return;
    }
    const id = this.next++;
    const endpoint = this.config.endpoints[
      Math.floor(this.env.random() * this.config.endpoints.length)
    ] as string;
    this.requests++;
    this.send(id, endpoint, 1);
  }

  private send(id: number, endpoint: string, attempts: number): void {
    this.attempts++;
    const timer = this.env.setTimer(this.config.timeoutMs, () => {
      if (!this.outstanding.delete(id)) return;
      this.timedOut++;
    });
    this.outstanding.set(id, { attempts, endpoint, timer, retrying: false });
    const to = this.config.servers[this.rr++ % this.config.servers.length] as NodeId;
    this.env.send(to, { type: 'req', id, tenant: this.config.tenant, endpoint, cost: 1 });
  }

  onMessage(_from: NodeId, msg: RateMessage): void {
    if (msg.type !== 'res') return;
    const waiting = this.outstanding.get(msg.id);
    if (waiting === undefined || waiting.retrying) return; // late, duplicated, or already being retried
    this.outstanding.delete(msg.id);
    this.env.clearTimer(waiting.timer);
    if (msg.admitted) {
      this.admitted++;
      return;
    }
    if (msg.unavailable) this.unavailable++;
    else this.refused++;
    if (waiting.attempts === 1) this.refusedFirst++;
    if (this.config.retry === 'none' || waiting.attempts >= this.config.maxAttempts) {
      this.gaveUp++;
      return;
    }
    // Retry-After carries whole seconds (delay-seconds): a client honouring it waits the rounded-up value.
    const wait = this.config.retry === 'immediate' ? 0 : Math.ceil(msg.retryAfterMs / 1_000) * 1_000;
    // Hold the slot while waiting, so the bound on outstanding requests covers retries too.
    const timer = this.env.setTimer(wait, () => {
      this.outstanding.delete(msg.id);
      this.retries++;
      this.send(msg.id, waiting.endpoint, waiting.attempts + 1);
    });
    this.outstanding.set(msg.id, {
      attempts: waiting.attempts,
      endpoint: waiting.endpoint,
      timer,
      retrying: true,
    });
  }

  snapshot() {
    return {
      requests: this.requests,
      attempts: this.attempts,
      admitted: this.admitted,
      refused: this.refused,
      retries: this.retries,
      refusedFirst: this.refusedFirst,
      timedOut: this.timedOut,
      gaveUp: this.gaveUp,
      outstanding: this.outstanding.size,
    };
  }
}

/**
 * The service side: servers behind a load balancer that rate-limit the requests they receive, and the
 * central limiter. Three ways to limit:
 *
 * - local: each server keeps its own gate (so N servers admit N times the limit);
 * - central: each server asks the central limiter, which decides and charges atomically (one gate for
 *   all, like a Redis script); a server that hears nothing within `checkTimeoutMs` refuses (fails closed);
 * - synced: each server counts its admissions in the current window and admits while the others'
 *   last reported total plus its own count is under the limit, reporting to the coordinator every
 *   `syncMs` (so between two syncs every server spends the same headroom).
 *
 * Limiters read `env.monotonic()`: a wall clock that jumps must not refill a bucket.
 */
import { invariant, type Env, type NodeId, type SimNode } from '@dslab/sim';
import { Gate, type GateConfig, type GateDecision } from './gate';
import type { RateMessage } from './messages';

export const modes = ['local', 'central', 'synced'] as const;
export type Mode = (typeof modes)[number];

/** A server keeps at most this many requests waiting for the central limiter; past it, it refuses at once. */
export const MAX_PENDING_CHECKS = 1_024;

export interface ServerConfig {
  readonly mode: Mode;
  readonly gate: GateConfig;
  readonly limiterId: NodeId;
  readonly checkTimeoutMs: number;
  /** Synced mode: how often a server reports its count and learns the others'. */
  readonly syncMs: number;
  /** Called on every answer the server gives (the harness's ledger, in true time). */
  readonly onAnswer?: (server: NodeId, tenant: string, admitted: boolean) => void;
}

export class RateServer implements SimNode<RateMessage> {
  readonly gate: Gate;
  private readonly pending = new Map<number, { client: NodeId; id: number; tenant: string; timer: number }>();
  private nextCheck = 1;
  /** Synced mode: the window being counted, this server's admissions in it, and the others' last known total. */
  private window = -1;
  private local = 0;
  private others = 0;
  admitted = 0;
  refused = 0;
  unavailable = 0;

  constructor(
    private readonly env: Env<RateMessage>,
    private readonly config: ServerConfig,
  ) {
    invariant(config.checkTimeoutMs > 0, 'ratelimit server config', () => 'checkTimeoutMs must be > 0');
    this.gate = new Gate(config.gate);
    if (config.mode === 'synced') this.scheduleSync();
  }

  private answer(
    client: NodeId,
    id: number,
    tenant: string,
    decision: GateDecision,
    unavailable = false,
  ): void {
    if (decision.admitted) this.admitted++;
    else if (unavailable) this.unavailable++;
    else this.refused++;
    this.config.onAnswer?.(this.env.id, tenant, decision.admitted);
    this.env.send(client, {
      type: 'res',
      id,
      admitted: decision.admitted,
      unavailable,
      limit: decision.limit,
      remaining: decision.remaining,
      retryAfterMs: decision.retryAfterMs,
    });
  }

  onMessage(from: NodeId, msg: RateMessage): void {
    switch (msg.type) {
      case 'req':
        this.onRequest(from, msg);
        return;
      case 'verdict': {
        const waiting = this.pending.get(msg.id);
        if (waiting === undefined) return; // answered already (timed out): a late verdict changes nothing
        this.pending.delete(msg.id);
        this.env.clearTimer(waiting.timer);
        this.answer(waiting.client, waiting.id, waiting.tenant, msg.decision);
        return;
      }
      case 'sync':
        if (msg.window === this.window) this.others = Math.max(this.others, msg.others);
        return;
      default:
        return;
    }
  }

  private onRequest(client: NodeId, msg: Extract<RateMessage, { type: 'req' }>): void {
    const { mode } = this.config;
    if (mode === 'local') {
      this.answer(
        client,
        msg.id,
        msg.tenant,
        this.gate.decide(this.env.monotonic(), msg.tenant, msg.endpoint, msg.cost),
      );
      return;
    }
    if (mode === 'synced') {
      this.answer(client, msg.id, msg.tenant, this.decideSynced(msg.cost));
      return;
    }
    if (this.pending.size >= MAX_PENDING_CHECKS) {
      this.answer(client, msg.id, msg.tenant, refusal(this.config.gate.policy.limit, 0), true);
      return;
    }
    const check = this.nextCheck++;
    const timer = this.env.setTimer(this.config.checkTimeoutMs, () => {
      if (!this.pending.delete(check)) return;
      this.answer(
        client,
        msg.id,
        msg.tenant,
        refusal(this.config.gate.policy.limit, this.config.checkTimeoutMs),
        true,
      );
    });
    this.pending.set(check, { client, id: msg.id, tenant: msg.tenant, timer });
    this.env.send(this.config.limiterId, {
      type: 'check',
      id: check,
      tenant: msg.tenant,
      endpoint: msg.endpoint,
      cost: msg.cost,
    });
  }

  /** Synced mode: a fixed window of the policy's length, shared through the coordinator's totals. */
  private decideSynced(cost: number): GateDecision {
    const { limit, windowMs } = this.config.gate.policy;
    const now = this.env.now();
    this.roll(now);
    const admitted = this.others + this.local + cost <= limit;
    if (admitted) this.local += cost;
    const resetMs = (this.window + 1) * windowMs - now;
    return {
      admitted,
      limit,
      remaining: Math.max(0, limit - this.others - this.local),
      retryAfterMs: admitted ? 0 : resetMs,
      resetMs,
    };
  }

  private roll(now: number): void {
    const window = Math.floor(now / this.config.gate.policy.windowMs);
    if (window > this.window) {
      this.window = window;
      this.local = 0;
      this.others = 0;
    }
  }

  private scheduleSync(): void {
    this.env.setTimer(this.config.syncMs, () => {
      this.roll(this.env.now());
      this.env.send(this.config.limiterId, { type: 'report', window: this.window, count: this.local });
      this.scheduleSync();
    });
  }

  /** Each of this server's limiters' level now (local mode), for pictures. */
  levels(): Record<string, number> {
    return this.gate.levels(this.env.monotonic());
  }

  snapshot() {
    return {
      admitted: this.admitted,
      refused: this.refused,
      unavailable: this.unavailable,
      pending: this.pending.size,
      synced:
        this.config.mode === 'synced'
          ? { window: this.window, local: this.local, others: this.others }
          : undefined,
    };
  }
}

function refusal(limit: number, retryAfterMs: number): GateDecision {
  return { admitted: false, limit, remaining: 0, retryAfterMs, resetMs: retryAfterMs };
}

/**
 * The central limiter: one gate, every check decided and charged in one step (what a Lua script gives
 * on Redis), on this node's own monotonic clock (the server's TIME, not the caller's). In synced mode it
 * is the coordinator that adds up the servers' reports.
 */
export class CentralLimiter implements SimNode<RateMessage> {
  readonly gate: Gate;
  /** Synced mode: each server's last reported count, for the window it reported. */
  private readonly reports = new Map<NodeId, { window: number; count: number }>();

  constructor(
    private readonly env: Env<RateMessage>,
    config: GateConfig,
  ) {
    this.gate = new Gate(config);
  }

  onMessage(from: NodeId, msg: RateMessage): void {
    if (msg.type === 'check') {
      const decision = this.gate.decide(this.env.monotonic(), msg.tenant, msg.endpoint, msg.cost);
      this.env.send(from, { type: 'verdict', id: msg.id, decision });
      return;
    }
    if (msg.type === 'report') {
      const previous = this.reports.get(from);
      if (previous === undefined || msg.window >= previous.window)
        this.reports.set(from, { window: msg.window, count: msg.count });
      let others = 0;
      for (const [server, report] of this.reports)
        if (server !== from && report.window === msg.window) others += report.count;
      this.env.send(from, { type: 'sync', window: msg.window, others });
    }
  }

  snapshot() {
    return {
      admitted: this.gate.admitted,
      refused: this.gate.refused,
      levels: this.gate.levels(this.env.monotonic()),
    };
  }
}

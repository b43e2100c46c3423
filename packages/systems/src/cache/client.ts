/**
 * A client: reads (and optionally writes) at a Poisson rate through the application servers, each
 * request with a timeout. What it asked and what came back goes to the harness's ledger, which
 * measures in true time (latency, stale answers) — the client itself only counts.
 */
import type { Env, NodeId, SimNode, TimerId } from '@dslab/sim';
import type { CacheMessage, Val } from './messages';

/** Requests a client keeps in flight, at most; past it a new one is skipped (and counted). */
export const CLIENT_IN_FLIGHT_BOUND = 1_024;

export interface ClientConfig {
  readonly apps: readonly NodeId[];
  /** Requests per second (Poisson). */
  readonly rate: number;
  readonly timeoutMs: number;
  readonly startAtMs: number;
  readonly stopAtMs: number;
  /** The key of the next request, from this client's random stream. */
  readonly nextKey: (random: () => number) => string;
  /** Fraction of requests that are writes. */
  readonly writeFraction: number;
  /** Requests in flight at most (1: strictly one after another); past it a tick is skipped. */
  readonly maxInFlight: number;
  /** Always use this app (by index into `apps`); otherwise one at random per request. */
  readonly pinnedApp?: number;
  readonly onRequest?: (client: NodeId, id: number, key: string, write: boolean) => void;
  readonly onResult?: (
    client: NodeId,
    id: number,
    ok: boolean,
    val: Val | undefined,
    from: string | undefined,
  ) => void;
}

export class CacheClient implements SimNode<CacheMessage> {
  private readonly inFlight = new Map<number, TimerId>();
  private nextId = 1;
  sent = 0;
  ok = 0;
  failed = 0;
  timedOut = 0;
  skipped = 0;

  constructor(
    private readonly env: Env<CacheMessage>,
    private readonly config: ClientConfig,
  ) {
    if (config.rate > 0) this.env.setTimer(config.startAtMs + this.gap(), () => this.tick());
  }

  private gap(): number {
    return -Math.log(1 - this.env.random()) * (1_000 / this.config.rate);
  }

  private tick(): void {
    if (this.env.monotonic() >= this.config.stopAtMs) return;
    this.request();
    this.env.setTimer(this.gap(), () => this.tick());
  }

  private request(): void {
    if (this.inFlight.size >= Math.min(CLIENT_IN_FLIGHT_BOUND, this.config.maxInFlight)) {
      this.skipped++;
      return;
    }
    const { apps } = this.config;
    const app = apps[this.config.pinnedApp ?? Math.floor(this.env.random() * apps.length)] as NodeId;
    const key = this.config.nextKey(() => this.env.random());
    const write = this.config.writeFraction > 0 && this.env.random() < this.config.writeFraction;
    const id = this.nextId++;
    this.sent++;
    this.config.onRequest?.(this.env.id, id, key, write);
    this.inFlight.set(
      id,
      this.env.setTimer(this.config.timeoutMs, () => {
        this.inFlight.delete(id);
        this.timedOut++;
        this.config.onResult?.(this.env.id, id, false, undefined, 'timeout');
      }),
    );
    if (write) this.env.send(app, { type: 'write', id, key, value: `${key}:${this.env.id}:${id}` });
    else this.env.send(app, { type: 'read', id, key });
  }

  onMessage(_from: NodeId, msg: CacheMessage): void {
    if (msg.type !== 'reply') return;
    const timer = this.inFlight.get(msg.id);
    if (timer === undefined) return; // timed out already
    this.inFlight.delete(msg.id);
    this.env.clearTimer(timer);
    if (msg.ok) this.ok++;
    else this.failed++;
    this.config.onResult?.(this.env.id, msg.id, msg.ok, msg.val, msg.from);
  }

  snapshot() {
    return {
      sent: this.sent,
      ok: this.ok,
      failed: this.failed,
      timedOut: this.timedOut,
      inFlight: this.inFlight.size,
    };
  }
}

/**
 * A client competing for the lock and, while it believes it holds it, writing to the storage under its
 * token. The write path is the one Kleppmann takes apart: the client checks its lock is still valid
 * (by its own clock, and optionally by asking the lease service), then spends `workMs` preparing the
 * write, then sends it. A stop-the-world pause that lands in between (a GC pause, SIGSTOP) wakes the
 * client after its lease expired with the write still going out: only a storage that checks the token
 * can refuse it. A holder renews at a third of the TTL, and lets go after `holdMs` so leadership moves.
 */
import type { Env, SimNode } from '@dslab/sim';
import type { LeaseObserver } from './ledger';
import type { FenceRule, LeaseMessage } from './messages';
import { makeProtocol, type LockProtocol, type LockProtocolName, type ProtocolConfig } from './protocols';
import { Rpc } from './rpc';

export interface LockClientConfig {
  readonly protocol: LockProtocolName;
  readonly ttlMs: number;
  readonly writeEveryMs: number;
  /** Time between passing the check and sending the write (computing it). */
  readonly workMs: number;
  /** A holder releases after this long (0: never), so other clients get their turn. */
  readonly holdMs: number;
  /** Mean wait between failed attempts to acquire. */
  readonly retryMs: number;
  readonly fence: FenceRule;
  /** Ask the lease service "do I still hold it?" before every write (the client-side check). */
  readonly checkWithService: boolean;
  readonly lockService: string;
  readonly storage: string;
  readonly etcd: string;
  readonly redisNodes: readonly string[];
  readonly requestTimeoutMs: number;
  readonly driftMs: number;
  /** The harness's ledger, told what this client believes and when. */
  readonly observer: LeaseObserver;
}

interface Holding {
  readonly grant: number;
  readonly token: number;
  readonly value: string;
  validUntil: number;
}

export class LockClient implements SimNode<LeaseMessage> {
  private readonly rpc: Rpc;
  private readonly protocol: LockProtocol;
  private readonly protocolConfig: ProtocolConfig & { redisNodes: string[] };
  readonly session: string;
  private holding: Holding | undefined;
  private grants = 0;
  private writes = 0;
  private stopped = false;
  acquired = 0;
  written = 0;
  refused = 0;

  constructor(
    private readonly env: Env<LeaseMessage>,
    private readonly config: LockClientConfig,
  ) {
    // A new session per incarnation: a restarted client holds nothing its old self held.
    this.session = `${env.id}.${Math.floor(env.random() * 1e9).toString(36)}`;
    config.observer.drop(env.id);
    this.rpc = new Rpc(env);
    this.protocolConfig = {
      ttlMs: config.ttlMs,
      session: this.session,
      lockService: config.lockService,
      storage: config.storage,
      etcd: config.etcd,
      redisNodes: [...config.redisNodes],
      requestTimeoutMs: config.requestTimeoutMs,
      driftMs: config.driftMs,
    };
    this.protocol = makeProtocol(config.protocol, env, this.rpc, this.protocolConfig);
    env.setTimer(env.random() * config.retryMs, () => this.tryAcquire());
  }

  /** Sentinel told the client the Redis primary moved (harness entry point). */
  retarget(redisNodes: readonly string[]): void {
    this.protocolConfig.redisNodes.splice(0, this.protocolConfig.redisNodes.length, ...redisNodes);
  }

  /** The workload is over: no more acquisitions, and let go of what is held. */
  stop(): void {
    this.stopped = true;
    if (this.holding) {
      this.protocol.release(this.holding.token, this.holding.value);
      this.lose('stopped');
    }
  }

  get holds(): boolean {
    return this.holding !== undefined;
  }

  private tryAcquire(): void {
    if (this.stopped || this.holding) return;
    const grant = ++this.grants;
    const value = `${this.session}#${grant}`;
    const sentAt = this.env.monotonic();
    this.protocol.acquire(value, (acquired) => {
      if (this.stopped || this.holding) {
        if (acquired) this.protocol.release(acquired.token, value);
        return;
      }
      if (!acquired) {
        this.retryLater();
        return;
      }
      this.acquired++;
      const holding: Holding = { grant, token: acquired.token, value, validUntil: sentAt + acquired.validMs };
      this.holding = holding;
      this.config.observer.hold(this.env.id, grant, acquired.token);
      this.env.trace('hold', { grant, token: acquired.token });
      this.env.setTimer(this.config.writeEveryMs, () => this.writeStep(holding));
      if (this.protocol.renew) this.env.setTimer(this.config.ttlMs / 3, () => this.renewStep(holding));
      if (this.config.holdMs > 0)
        this.env.setTimer(this.config.holdMs, () => {
          if (this.holding !== holding) return;
          this.protocol.release(holding.token, holding.value);
          this.lose('released');
        });
    });
  }

  private retryLater(): void {
    this.env.setTimer(this.config.retryMs * (0.5 + this.env.random()), () => this.tryAcquire());
  }

  private lose(reason: string): void {
    if (!this.holding) return;
    this.env.trace('lose', { grant: this.holding.grant, reason });
    this.holding = undefined;
    this.config.observer.drop(this.env.id);
    if (!this.stopped) this.retryLater();
  }

  private renewStep(holding: Holding): void {
    const renew = this.protocol.renew;
    if (this.holding !== holding || !renew) return;
    const sentAt = this.env.monotonic();
    renew(holding.token, holding.value, (ok) => {
      if (this.holding !== holding) return;
      if (!ok) return this.lose('renewal refused');
      holding.validUntil = sentAt + this.config.ttlMs;
    });
    this.env.setTimer(this.config.ttlMs / 3, () => this.renewStep(holding));
  }

  private writeStep(holding: Holding): void {
    if (this.holding !== holding) return;
    if (this.env.monotonic() >= holding.validUntil) return this.lose('expired');
    if (!this.config.checkWithService) this.prepare(holding);
    else
      this.rpc.call(
        this.config.lockService,
        (req) => ({ type: 'check', req, session: this.session, token: holding.token }),
        this.config.requestTimeoutMs,
        (reply) => {
          if (this.holding !== holding) return;
          if (reply?.type === 'checked' && reply.holds) this.prepare(holding);
          else if (reply?.type === 'checked') this.lose('check refused');
        },
      );
    this.env.setTimer(this.config.writeEveryMs, () => this.writeStep(holding));
  }

  /** Checked: compute the write, then send it — no second look at the clock (the gap a pause falls into). */
  private prepare(holding: Holding): void {
    this.config.observer.preparing(this.env.id);
    this.env.setTimer(this.config.workMs, () => {
      const n = ++this.writes;
      this.rpc.call(
        this.config.storage,
        (req) => ({
          type: 'write',
          req,
          writer: this.env.id,
          grant: holding.grant,
          key: 'shard',
          value: `${this.env.id}#${holding.grant}.${n}`,
          token: holding.token,
          rule: this.config.fence,
        }),
        this.config.requestTimeoutMs,
        (reply) => {
          if (reply?.type === 'written') this.written++;
          if (reply?.type === 'rejected') {
            this.refused++;
            if (this.holding === holding) this.lose('fenced');
          }
        },
      );
    });
  }

  onMessage(_from: string, msg: LeaseMessage): void {
    this.rpc.handle(msg);
  }

  snapshot(): {
    session: string;
    holds: boolean;
    token: number;
    acquired: number;
    written: number;
    refused: number;
  } {
    return {
      session: this.session,
      holds: this.holding !== undefined,
      token: this.holding?.token ?? 0,
      acquired: this.acquired,
      written: this.written,
      refused: this.refused,
    };
  }
}

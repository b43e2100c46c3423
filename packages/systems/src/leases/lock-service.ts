/**
 * The lease service: one lock, granted for a TTL to one session at a time, with a fencing token that
 * grows with every grant. Expiry runs on the service's monotonic clock, so a wall-clock step on the
 * service does not end a lease early. The token counter and the lease in force are written to disk and
 * synced before a grant is answered: a restart must never hand out a token it handed out before. A
 * restarted service cannot know how long the recorded lease has left, so it gives it a full TTL again
 * (etcd does the same when a new leader takes over its leases).
 */
import { invariant, type Env, type SimNode } from '@dslab/sim';
import { mutantActive } from '../kit';
import type { LeaseObserver } from './ledger';
import type { LeaseMessage, LeaseServiceMessage } from './messages';
import type { LeaseMutant } from './mutants';

export interface LeaseServiceConfig {
  readonly observer: LeaseObserver;
  readonly mutant?: LeaseMutant;
}

interface Lease {
  readonly session: string;
  readonly token: number;
  readonly ttlMs: number;
  expiresAt: number;
}

const STATE_FILE = 'lease-state';
const decoder = new TextDecoder();
const encoder = new TextEncoder();

export class LeaseService implements SimNode<LeaseMessage> {
  private lease: Lease | undefined;
  private lastToken = 0;
  grants = 0;
  refusals = 0;

  constructor(
    private readonly env: Env<LeaseMessage>,
    private readonly config: LeaseServiceConfig,
  ) {
    const stored = env.disk.read(STATE_FILE);
    if (stored) {
      const state = JSON.parse(decoder.decode(stored)) as {
        lastToken: number;
        lease?: { session: string; token: number; ttlMs: number };
      };
      if (!mutantActive(config.mutant, 'tokens-not-durable')) this.lastToken = state.lastToken;
      if (state.lease) {
        this.lease = { ...state.lease, expiresAt: env.monotonic() + state.lease.ttlMs };
        config.observer.extended(this.lease.token, this.lease.expiresAt);
      }
    }
  }

  private persist(): void {
    const lease = this.lease
      ? { session: this.lease.session, token: this.lease.token, ttlMs: this.lease.ttlMs }
      : undefined;
    this.env.disk.write(STATE_FILE, encoder.encode(JSON.stringify({ lastToken: this.lastToken, lease })));
    this.env.disk.sync();
  }

  /** The lease in force, after ending it when it has expired. */
  private live(): Lease | undefined {
    const lease = this.lease;
    if (!lease || mutantActive(this.config.mutant, 'lease-never-expires')) return lease;
    const now = this.env.monotonic();
    const end = mutantActive(this.config.mutant, 'grant-before-expiry')
      ? lease.expiresAt - lease.ttlMs / 2
      : lease.expiresAt;
    if (now >= end) {
      // Not reported as ended: the ledger judges expiry by the expiry time itself.
      this.lease = undefined;
      this.env.trace('expired', { token: lease.token });
    }
    return this.lease;
  }

  onMessage(from: string, msg: LeaseMessage): void {
    switch (msg.type) {
      case 'acquire':
        return this.acquire(from, msg);
      case 'renew': {
        const lease = this.live();
        if (lease && lease.session === msg.session && lease.token === msg.token) {
          lease.expiresAt = this.env.monotonic() + lease.ttlMs;
          this.config.observer.extended(lease.token, lease.expiresAt);
          this.reply(from, { type: 'renewed', req: msg.req, token: lease.token });
        } else this.reply(from, { type: 'lost', req: msg.req, token: msg.token });
        return;
      }
      case 'release': {
        const lease = this.live();
        if (lease && lease.session === msg.session && lease.token === msg.token) {
          this.lease = undefined;
          this.persist();
          this.config.observer.ended(msg.token);
        }
        return;
      }
      case 'check': {
        const lease = this.live();
        const holds = lease !== undefined && lease.session === msg.session && lease.token === msg.token;
        this.reply(from, { type: 'checked', req: msg.req, holds });
        return;
      }
      default:
        return;
    }
  }

  private acquire(from: string, msg: Extract<LeaseServiceMessage, { type: 'acquire' }>): void {
    invariant(msg.ttlMs > 0, 'lease ttl', () => `a lease needs a positive TTL, got ${msg.ttlMs}`);
    const lease = this.live();
    const now = this.env.monotonic();
    if (lease && lease.session !== msg.session) {
      this.refusals++;
      this.reply(from, { type: 'busy', req: msg.req });
      return;
    }
    if (lease) {
      // The same session asking again (its reply was lost): the same lease, extended.
      lease.expiresAt = now + lease.ttlMs;
      this.config.observer.extended(lease.token, lease.expiresAt);
      this.reply(from, { type: 'granted', req: msg.req, token: lease.token, ttlMs: lease.ttlMs });
      return;
    }
    const token = ++this.lastToken;
    this.lease = { session: msg.session, token, ttlMs: msg.ttlMs, expiresAt: now + msg.ttlMs };
    this.persist();
    this.grants++;
    this.config.observer.granted(msg.session, token, now, now + msg.ttlMs);
    this.env.trace('granted', { session: msg.session, token });
    this.reply(from, { type: 'granted', req: msg.req, token, ttlMs: msg.ttlMs });
  }

  private reply(to: string, msg: LeaseServiceMessage): void {
    this.env.send(to, msg);
  }

  snapshot(): {
    holder: string | undefined;
    token: number;
    lastToken: number;
    grants: number;
    leftMs: number;
  } {
    const lease = this.lease;
    return {
      holder: lease?.session,
      token: lease?.token ?? 0,
      lastToken: this.lastToken,
      grants: this.grants,
      leftMs: lease ? Math.max(0, lease.expiresAt - this.env.monotonic()) : 0,
    };
  }
}

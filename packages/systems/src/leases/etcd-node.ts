/**
 * An etcd-like server with what its locks use: a revision that grows with every change, keys that
 * remember the revision that created them, leases with a TTL kept alive by the client (expiry on the
 * server's monotonic clock; an expired lease deletes its keys), a plain put that overwrites whatever is
 * there, and the transaction `if create_revision(key) = 0 then put else fail` that creates a key only
 * when it is absent. The lock API of etcd v3 is built on that transaction; the key's revision is the
 * fencing token it hands out.
 */
import { invariant, type Env, type SimNode } from '@dslab/sim';
import type { EtcdCommand, LeaseMessage } from './messages';

/** How often the server looks for expired leases (etcd's lessor checks every 500 ms; we check finer). */
export const LEASE_CHECK_MS = 25;
/** Leases alive at once, at most: each client holds one, so a leak shows up here. */
export const MAX_LEASES = 1_024;

interface Key {
  readonly value: string;
  readonly createRevision: number;
  readonly lease: number;
}

export class EtcdNode implements SimNode<LeaseMessage> {
  private revision = 1;
  private nextLease = 1;
  private readonly keys = new Map<string, Key>();
  private readonly leases = new Map<number, { ttlMs: number; expiresAt: number }>();

  constructor(private readonly env: Env<LeaseMessage>) {
    const sweep = () => {
      this.expire();
      env.setTimer(LEASE_CHECK_MS, sweep);
    };
    env.setTimer(LEASE_CHECK_MS, sweep);
  }

  private expire(): void {
    const now = this.env.monotonic();
    for (const [id, lease] of this.leases) {
      if (now < lease.expiresAt) continue;
      this.revoke(id);
      this.env.trace('lease-expired', { lease: id });
    }
  }

  /** Ends the lease and deletes its keys. */
  private revoke(id: number): boolean {
    if (!this.leases.delete(id)) return false;
    for (const [name, key] of this.keys)
      if (key.lease === id) {
        this.keys.delete(name);
        this.revision++;
      }
    return true;
  }

  private put(name: string, value: string, lease: number): number {
    this.revision++;
    const existing = this.keys.get(name);
    this.keys.set(name, { value, lease, createRevision: existing?.createRevision ?? this.revision });
    return this.revision;
  }

  execute(command: EtcdCommand): { ok: boolean; value: number } {
    this.expire();
    switch (command.cmd) {
      case 'lease-grant': {
        invariant(this.leases.size < MAX_LEASES, 'etcd leases', () => `more than ${MAX_LEASES} leases alive`);
        const id = this.nextLease++;
        this.leases.set(id, { ttlMs: command.ttlMs, expiresAt: this.env.monotonic() + command.ttlMs });
        return { ok: true, value: id };
      }
      case 'keep-alive': {
        const lease = this.leases.get(command.lease);
        if (!lease) return { ok: false, value: 0 };
        lease.expiresAt = this.env.monotonic() + lease.ttlMs;
        return { ok: true, value: lease.ttlMs };
      }
      case 'revoke':
        return { ok: this.revoke(command.lease), value: this.revision };
      case 'put':
        if (!this.leases.has(command.lease)) return { ok: false, value: 0 };
        return { ok: true, value: this.put(command.key, command.value, command.lease) };
      case 'create': {
        if (!this.leases.has(command.lease)) return { ok: false, value: 0 };
        const existing = this.keys.get(command.key);
        if (existing) return { ok: false, value: existing.createRevision };
        return { ok: true, value: this.put(command.key, command.value, command.lease) };
      }
      case 'delete': {
        const existing = this.keys.get(command.key);
        if (!existing || existing.value !== command.value) return { ok: false, value: this.revision };
        this.keys.delete(command.key);
        this.revision++;
        return { ok: true, value: this.revision };
      }
    }
  }

  onMessage(from: string, msg: LeaseMessage): void {
    if (msg.type !== 'etcd') return;
    this.env.send(from, { type: 'etcd-reply', req: msg.req, ...this.execute(msg.command) });
  }

  snapshot(): { revision: number; leases: number; lock: string | undefined } {
    let lock: string | undefined;
    for (const [name, key] of this.keys) lock = `${name}=${key.value}@${key.createRevision}`;
    return { revision: this.revision, leases: this.leases.size, lock };
  }
}

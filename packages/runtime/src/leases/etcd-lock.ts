// etcd locks through the etcd3 client: a lease (kept alive by the client) and either a plain put of the
// lock key — which overwrites whoever holds it — or the transaction `if create_revision(key) = 0 then
// put` that etcd's own lock recipe uses. The revision of the put is the fencing token.
import type { Etcd3, Lease } from 'etcd3';

export type EtcdLockMode = 'put' | 'txn';

export interface EtcdHold {
  /** The revision that created our key: the fencing token. */
  readonly token: number;
  readonly lease: Lease;
}

export class EtcdLock {
  constructor(
    private readonly client: Etcd3,
    readonly key: string,
  ) {}

  /** Takes the lock under a new lease of `ttlSeconds` (etcd raises it to its minimum); undefined when held. */
  async acquire(mode: EtcdLockMode, value: string, ttlSeconds: number): Promise<EtcdHold | undefined> {
    const lease = this.client.lease(ttlSeconds);
    // A lease the server revoked (a paused client's) is not an error of the acquisition.
    lease.on('lost', () => undefined);
    const id = await lease.grant();
    if (mode === 'put') {
      const put = await this.client.put(this.key).value(value).lease(id);
      return { token: Number(put.header.revision), lease };
    }
    const txn = await this.client
      .if(this.key, 'Create', '==', 0)
      .then(this.client.put(this.key).value(value).lease(id))
      .commit();
    if (!txn.succeeded) {
      await lease.revoke();
      return undefined;
    }
    return { token: Number(txn.header.revision), lease };
  }

  /** Deletes the key only while it holds our value, then drops the lease. */
  async release(hold: EtcdHold, value: string): Promise<void> {
    await this.client.if(this.key, 'Value', '==', value).then(this.client.delete().key(this.key)).commit();
    await hold.lease.revoke().catch(() => undefined);
  }

  /** Who the key says holds the lock now. */
  async holder(): Promise<string | null> {
    return this.client.get(this.key).string();
  }
}

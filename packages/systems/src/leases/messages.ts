/**
 * Every message of the leases world, as plain data: the lease service, the storage service, the
 * Redis-like and etcd-like servers, the ZooKeeper-like server, and the replies to their clients. A
 * request carries `req` (the client's number for it) so a late reply to an abandoned request is ignored.
 */

/** The lease service (lock-service.ts): leases with a TTL and a fencing token per grant. */
export type LeaseServiceMessage =
  | { readonly type: 'acquire'; readonly req: number; readonly session: string; readonly ttlMs: number }
  | { readonly type: 'granted'; readonly req: number; readonly token: number; readonly ttlMs: number }
  | { readonly type: 'busy'; readonly req: number }
  | { readonly type: 'renew'; readonly req: number; readonly session: string; readonly token: number }
  | { readonly type: 'renewed'; readonly req: number; readonly token: number }
  | { readonly type: 'lost'; readonly req: number; readonly token: number }
  | { readonly type: 'release'; readonly session: string; readonly token: number }
  /** "Do I still hold it?" — the client-side check that a pause after the answer defeats. */
  | { readonly type: 'check'; readonly req: number; readonly session: string; readonly token: number }
  | { readonly type: 'checked'; readonly req: number; readonly holds: boolean };

/** How the storage service treats the token on a write. */
export type FenceRule =
  /** Ignores it (a storage that does not check fencing tokens). */
  | 'none'
  /** Rejects a token lower than the highest it has accepted (Kleppmann's fencing). */
  | 'max-seen'
  /** Accepts only the current term of its leader row (`… AND term = $mine`). */
  | 'current-term';

/** The storage service (storage.ts): a register per key plus the leader row of the term-CAS recipe. */
export type StorageMessage =
  | {
      readonly type: 'write';
      readonly req: number;
      /** Who writes, and under which of its acquisitions (for the harness's ledger, not for the rule). */
      readonly writer: string;
      readonly grant: number;
      readonly key: string;
      readonly value: string;
      readonly token: number;
      readonly rule: FenceRule;
    }
  | { readonly type: 'written'; readonly req: number }
  | { readonly type: 'rejected'; readonly req: number; readonly highest: number }
  | { readonly type: 'read-row'; readonly req: number }
  | {
      readonly type: 'row';
      readonly req: number;
      readonly term: number;
      readonly leader: string;
      /** Storage-clock ms since the leader last renewed. */
      readonly idleMs: number;
    }
  /** `UPDATE shard SET leader=$me, term=term+1, renewed=now() WHERE term=$seen`. */
  | { readonly type: 'take-over'; readonly req: number; readonly seen: number; readonly me: string }
  /** `UPDATE shard SET renewed=now() WHERE term=$mine`. */
  | { readonly type: 'heartbeat'; readonly req: number; readonly term: number }
  | { readonly type: 'row-updated'; readonly req: number; readonly ok: boolean; readonly term: number };

/** A Redis-like server (redis-node.ts): what a lock needs of Redis. */
export type RedisCommand =
  | { readonly cmd: 'set-nx-px'; readonly key: string; readonly value: string; readonly ttlMs: number }
  /** The compare-and-delete release script: DEL only when the value is still ours. */
  | { readonly cmd: 'cad'; readonly key: string; readonly value: string }
  | { readonly cmd: 'del'; readonly key: string }
  | { readonly cmd: 'get'; readonly key: string };

export type RedisMessage =
  | { readonly type: 'redis'; readonly req: number; readonly command: RedisCommand }
  | { readonly type: 'redis-reply'; readonly req: number; readonly ok: boolean; readonly value?: string }
  /** The asynchronous replication stream, primary → replica. */
  | { readonly type: 'replicate'; readonly ops: readonly ReplicatedOp[] };

export type ReplicatedOp =
  | { readonly op: 'set'; readonly key: string; readonly value: string; readonly expiresAt: number }
  | { readonly op: 'del'; readonly key: string };

/** An etcd-like server (etcd-node.ts): leases, revisions, a put and a create-if-absent transaction. */
export type EtcdCommand =
  | { readonly cmd: 'lease-grant'; readonly ttlMs: number }
  | { readonly cmd: 'keep-alive'; readonly lease: number }
  /** Revokes the lease and deletes its keys. */
  | { readonly cmd: 'revoke'; readonly lease: number }
  | { readonly cmd: 'put'; readonly key: string; readonly value: string; readonly lease: number }
  /** Txn: if create_revision(key) = 0 then put(key, value, lease) else get(key). */
  | { readonly cmd: 'create'; readonly key: string; readonly value: string; readonly lease: number }
  | { readonly cmd: 'delete'; readonly key: string; readonly value: string };

export type EtcdMessage =
  | { readonly type: 'etcd'; readonly req: number; readonly command: EtcdCommand }
  | {
      readonly type: 'etcd-reply';
      readonly req: number;
      readonly ok: boolean;
      /** lease-grant: the lease id; put/create: the key's create revision; keep-alive: the TTL left. */
      readonly value: number;
    };

/** A ZooKeeper-like server (zk-node.ts): sessions, ephemeral sequential nodes, one-shot watches. */
export type ZkMessage =
  | { readonly type: 'zk-ping'; readonly session: string }
  | { readonly type: 'zk-create'; readonly req: number; readonly session: string }
  | { readonly type: 'zk-created'; readonly req: number; readonly name: string }
  | { readonly type: 'zk-children'; readonly req: number; readonly session: string; readonly watch: boolean }
  | { readonly type: 'zk-children-reply'; readonly req: number; readonly names: readonly string[] }
  | {
      readonly type: 'zk-exists';
      readonly req: number;
      readonly session: string;
      readonly name: string;
      readonly watch: boolean;
    }
  | {
      readonly type: 'zk-exists-reply';
      readonly req: number;
      readonly name: string;
      readonly exists: boolean;
    }
  | { readonly type: 'zk-delete'; readonly session: string; readonly name: string }
  /** A watch firing: a watched node was deleted, or the watched children changed. */
  | { readonly type: 'zk-watch'; readonly event: 'deleted' | 'children'; readonly name: string };

export type LeaseMessage = LeaseServiceMessage | StorageMessage | RedisMessage | EtcdMessage | ZkMessage;

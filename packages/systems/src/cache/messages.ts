/** What clients, application servers, cache servers and the database send each other: plain data. */

/** A value as the database holds it: `value` null means the key does not exist (a cached null). */
export interface Val {
  readonly version: number;
  readonly value: string | null;
}

export type CacheMessage =
  // client ↔ application server
  | { readonly type: 'read'; readonly id: number; readonly key: string }
  | { readonly type: 'write'; readonly id: number; readonly key: string; readonly value: string }
  | {
      readonly type: 'reply';
      readonly id: number;
      readonly ok: boolean;
      readonly val?: Val;
      /** Where the value came from: the shared cache, the database, a stale copy, the in-process cache. */
      readonly from?: 'cache' | 'db' | 'stale' | 'local' | 'filter';
    }
  // application server (or a read-through / write-behind cache) ↔ database
  | { readonly type: 'db-read'; readonly id: number; readonly key: string }
  | { readonly type: 'db-write'; readonly id: number; readonly key: string; readonly value: string }
  /** A bulk read of many keys in one query (a cache warm-up). */
  | { readonly type: 'db-scan'; readonly id: number; readonly keys: readonly string[] }
  /** ok false: refused, the database is at capacity with a full queue. */
  | {
      readonly type: 'db-reply';
      readonly id: number;
      readonly ok: boolean;
      readonly val?: Val;
      readonly vals?: readonly Val[];
    }
  // application server ↔ cache server
  | { readonly type: 'get'; readonly id: number; readonly key: string; readonly lease: boolean }
  | {
      readonly type: 'got';
      readonly id: number;
      readonly val?: Val;
      /** A hit: milliseconds left before expiry, and how long its recompute took (XFetch's Δ). */
      readonly ttlLeftMs?: number;
      readonly deltaMs?: number;
      /** A miss under leases: the token that entitles this caller to fill the key… */
      readonly token?: number;
      /** …or, when another holds it, wait and retry (with the stale value if one is kept). */
      readonly wait?: boolean;
      readonly stale?: Val;
    }
  | {
      readonly type: 'set';
      readonly id: number;
      readonly key: string;
      readonly val: Val;
      readonly ttlMs: number;
      readonly deltaMs: number;
      readonly token?: number;
    }
  | { readonly type: 'del'; readonly id: number; readonly key: string }
  /** SET key owner NX PX ttl: a lock. */
  | {
      readonly type: 'lock';
      readonly id: number;
      readonly key: string;
      readonly owner: string;
      readonly ttlMs: number;
    }
  /** Delete the lock only if `owner` still holds it (the compare-and-delete script). */
  | { readonly type: 'unlock'; readonly id: number; readonly key: string; readonly owner: string }
  | { readonly type: 'write-behind'; readonly id: number; readonly key: string; readonly value: string }
  | { readonly type: 'read-through'; readonly id: number; readonly key: string; readonly ttlMs: number }
  | { readonly type: 'done'; readonly id: number; readonly ok: boolean; readonly val?: Val };

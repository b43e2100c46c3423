/** What every eviction policy offers: a bounded map that decides what to drop when full. */
export interface EvictionPolicy<K, V> {
  readonly name: string;
  readonly capacity: number;
  readonly size: number;
  /** A read: counts as a use (recency, frequency). */
  get(key: K): V | undefined;
  /** A write: inserts or replaces; may evict (or, for an admission policy, refuse) an entry. */
  set(key: K, value: V): void;
  delete(key: K): boolean;
  /** Membership without counting a use. */
  has(key: K): boolean;
  /** The value without counting a use. */
  peek(key: K): V | undefined;
}

export const policyKinds = ['lru', 'lfu', 'lfu-decay', 'w-tinylfu'] as const;
export type PolicyKind = (typeof policyKinds)[number];

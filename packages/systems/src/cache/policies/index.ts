/** The eviction policies and the TTL layer, and one factory that builds a policy by name. */
import { LfuCache } from './lfu';
import { LruCache } from './lru';
import type { EvictionPolicy, PolicyKind } from './policy';
import { WTinyLfuCache } from './tinylfu';

export { LruCache } from './lru';
export { LfuCache, type LfuOptions } from './lfu';
export { WTinyLfuCache } from './tinylfu';
export { TtlCache, type Timed } from './ttl';
export { policyKinds, type EvictionPolicy, type PolicyKind } from './policy';

/** LFU with decay halves its counts after this many accesses per cached entry. */
export const LFU_DECAY_PER_ENTRY = 10;

export function createPolicy<V>(kind: PolicyKind, capacity: number): EvictionPolicy<string, V> {
  switch (kind) {
    case 'lru':
      return new LruCache<string, V>(capacity);
    case 'lfu':
      return new LfuCache<string, V>(capacity);
    case 'lfu-decay':
      return new LfuCache<string, V>(capacity, { decayEvery: capacity * LFU_DECAY_PER_ENTRY });
    case 'w-tinylfu':
      return new WTinyLfuCache<V>(capacity);
  }
}

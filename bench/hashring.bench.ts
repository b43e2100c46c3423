// Consistent-hash lookups on 100 nodes × 160 points, side by side with the `hashring` npm package
// (ketama-compatible: 40 vnodes × 4 replicas = 160 points per server, MD5) in the same process:
// lookups per second on distinct keys (its LRU cache cannot help) and load spread.
import { createRequire } from 'node:module';
import { ConsistentHashRing } from '@dslab/systems';
import type { Benchmark } from './benchmark';

interface PeerRing {
  get(key: string): string;
}
const require = createRequire(import.meta.url);
const HashRing = require('hashring') as new (
  servers: string[],
  algorithm?: string,
  options?: Record<string, unknown>,
) => PeerRing;

function cv(counts: Map<string, number>): number {
  const values = [...counts.values()];
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) / mean;
}

function measure(
  owner: (key: string) => string,
  keys: readonly string[],
): { lookupsPerSecond: number; loadCv: number } {
  // Warm up on every key (the JIT and the peer's caches), then keep the best of three timed passes.
  let sink = 0;
  for (const key of keys) sink += owner(key).length;
  let seconds = Infinity;
  for (let pass = 0; pass < 3; pass++) {
    const started = performance.now();
    for (const key of keys) sink += owner(key).length;
    seconds = Math.min(seconds, (performance.now() - started) / 1000);
  }
  if (sink === 0) throw new Error('no lookups ran');
  const counts = new Map<string, number>();
  for (const key of keys) {
    const node = owner(key);
    counts.set(node, (counts.get(node) ?? 0) + 1);
  }
  return { lookupsPerSecond: Math.round(keys.length / seconds), loadCv: Number(cv(counts).toFixed(4)) };
}

const benchmark: Benchmark = {
  name: 'hashring',
  async run() {
    const nodes = Array.from({ length: 100 }, (_, i) => `10.0.${Math.floor(i / 250)}.${i % 250}:11211`);
    const keys = Array.from({ length: 1_000_000 }, (_, i) => `user:${i}:profile`);
    const ours = new ConsistentHashRing(160);
    for (const node of nodes) ours.add(node);
    const peer = new HashRing(nodes, 'md5', { 'max cache size': 5000 });
    const dslab = measure((key) => ours.owner(key), keys);
    const hashring = measure((key) => peer.get(key), keys);
    return {
      setup: '100 nodes × 160 points, 1,000,000 distinct keys',
      dslab,
      hashring,
      speedRatio: Number((dslab.lookupsPerSecond / hashring.lookupsPerSecond).toFixed(2)),
      target: '≥ 10,000,000 lookups/s',
    };
  },
};
export default benchmark;

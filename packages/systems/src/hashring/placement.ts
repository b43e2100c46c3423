/**
 * Key → node placements behind one interface, so every scenario compares them side by side:
 * modulo hashing, the consistent-hash ring, jump consistent hash (Lamping & Veach 2014) and
 * rendezvous / highest-random-weight hashing (Thaler & Ravishankar 1996).
 */
import { murmur3 } from '@dslab/sim';
import { ConsistentHashRing } from './ring';

export interface Placement {
  readonly name: string;
  add(node: string): void;
  remove(node: string): void;
  owner(key: string): string;
}

export function moduloPlacement(): Placement {
  const nodes: string[] = [];
  return {
    name: 'modulo',
    add: (node) => void nodes.push(node),
    remove: (node) => void nodes.splice(nodes.indexOf(node), 1),
    owner: (key) => nodes[murmur3(key) % nodes.length] as string,
  };
}

export function ringPlacement(vnodes: number): Placement {
  const ring = new ConsistentHashRing(vnodes);
  return {
    name: `ring (${vnodes} vnodes)`,
    add: (node) => ring.add(node),
    remove: (node) => ring.remove(node),
    owner: (key) => ring.owner(key),
  };
}

/** Jump consistent hash: buckets 0..n-1; only appending or removing the last bucket is cheap. */
export function jumpHash(key64: bigint, buckets: number): number {
  let b = -1;
  let j = 0;
  let k = key64;
  while (j < buckets) {
    b = j;
    k = (k * 2862933555777941757n + 1n) & 0xffffffffffffffffn;
    j = Math.floor(((b + 1) * 2 ** 31) / Number((k >> 33n) + 1n));
  }
  return b;
}

export function jumpPlacement(): Placement {
  const nodes: string[] = [];
  return {
    name: 'jump',
    add: (node) => void nodes.push(node),
    remove: (node) => {
      if (nodes[nodes.length - 1] !== node) throw new Error('jump hash can only remove the last bucket');
      nodes.pop();
    },
    owner: (key) =>
      nodes[jumpHash((BigInt(murmur3(key, 1)) << 32n) | BigInt(murmur3(key, 2)), nodes.length)] as string,
  };
}

export function rendezvousPlacement(): Placement {
  const nodes: string[] = [];
  return {
    name: 'rendezvous',
    add: (node) => void nodes.push(node),
    remove: (node) => void nodes.splice(nodes.indexOf(node), 1),
    owner(key) {
      let best = '';
      let bestScore = -1;
      for (const node of nodes) {
        const score = murmur3(`${node}|${key}`);
        if (score > bestScore || (score === bestScore && node < best)) {
          best = node;
          bestScore = score;
        }
      }
      return best;
    },
  };
}

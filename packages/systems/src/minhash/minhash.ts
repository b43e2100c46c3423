/**
 * MinHash signatures (Broder 1997): for k hash functions, keep the minimum hash over a set's items.
 * Two sets agree in one position with probability equal to their Jaccard similarity, so the fraction
 * of agreeing positions estimates it with standard error √(J(1 − J)/k) ≤ 1/(2√k).
 */
import { invariant, murmur3 } from '@dslab/sim';

export function signature(items: Iterable<string>, k: number): Uint32Array {
  invariant(Number.isInteger(k) && k >= 1, 'minhash config', () => `k must be a whole number ≥ 1, got ${k}`);
  const mins = new Uint32Array(k).fill(0xffffffff);
  for (const item of items) {
    // k hash functions from two: g_i = h1 + i·h2 (mod 2^32), then one more mixing round per slot.
    const h1 = murmur3(item, 0x9e3779b9);
    const h2 = murmur3(item, 0x7f4a7c15) | 1;
    for (let i = 0; i < k; i++) {
      const value = murmur3Int((h1 + Math.imul(i, h2)) >>> 0);
      if (value < (mins[i] as number)) mins[i] = value;
    }
  }
  return mins;
}

/** The 32-bit finalizer of MurmurHash3: a cheap bijective mix of one integer. */
function murmur3Int(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) throw new Error(`signatures of different lengths (${a.length}, ${b.length})`);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

export function exactJaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let intersection = 0;
  for (const item of a) if (b.has(item)) intersection++;
  const union = a.size + b.size - intersection;
  return union === 0 ? 1 : intersection / union;
}

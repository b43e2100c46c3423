/**
 * Locality-sensitive hashing by banding (Leskovec, Rajaraman & Ullman, "Mining of Massive Datasets",
 * ch. 3): cut each k = b·r signature into b bands of r rows; two sets become a candidate pair when some
 * band is identical. A pair with Jaccard s is a candidate with probability 1 − (1 − s^r)^b, an S-curve
 * whose threshold sits near (1/b)^(1/r).
 */
import { invariant } from '@dslab/sim';

export function candidateProbability(s: number, bands: number, rows: number): number {
  return 1 - (1 - s ** rows) ** bands;
}

/** Pairs (i < j) of signatures that share at least one band. */
export function lshCandidates(signatures: readonly Uint32Array[], bands: number, rows: number): Set<string> {
  invariant(bands >= 1 && rows >= 1, 'lsh config', () => `bands and rows must be ≥ 1, got ${bands}, ${rows}`);
  const pairs = new Set<string>();
  for (let band = 0; band < bands; band++) {
    const buckets = new Map<string, number[]>();
    signatures.forEach((sig, index) => {
      invariant(
        sig.length >= bands * rows,
        'lsh config',
        () => `signature of ${sig.length} < ${bands}×${rows}`,
      );
      const key = Array.from(sig.subarray(band * rows, band * rows + rows)).join(',');
      const list = buckets.get(key);
      if (list) list.push(index);
      else buckets.set(key, [index]);
    });
    for (const members of buckets.values()) {
      for (let a = 0; a < members.length; a++)
        for (let b = a + 1; b < members.length; b++) pairs.add(`${members[a]}:${members[b]}`);
    }
  }
  return pairs;
}

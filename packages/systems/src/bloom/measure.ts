/** How the Bloom claims measure a filter: the false-positive rate over keys never added. */

/** `n` keys that no experiment adds: `stranger:<seed>:<i>`. */
export function strangers(n: number, seed: number): string[] {
  return Array.from({ length: n }, (_, i) => `stranger:${seed}:${i}`);
}

/** The fraction of `probes` (keys never added) that the filter says it might contain. */
export function measuredFalsePositiveRate(
  filter: { mightContain(key: string): boolean },
  probes: readonly string[],
): number {
  if (probes.length === 0) return 0;
  let positives = 0;
  for (const key of probes) if (filter.mightContain(key)) positives++;
  return positives / probes.length;
}

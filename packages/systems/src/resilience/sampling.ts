/** Service times drawn from a node's own random stream (env.random), so a seed replays them. */

const Z99 = 2.3263478740408408;

/** Log-normal around `median` with `p99` setting the tail (as the kernel's long-tail latency). */
export function logNormal(random: () => number, median: number, p99: number): number {
  if (p99 <= median) return median;
  const sigma = Math.log(p99 / median) / Z99;
  // Box–Muller; 1 − u keeps the logarithm finite.
  const u = 1 - random();
  const v = random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return median * Math.exp(sigma * z);
}

/** Exponential gap with the given mean (Poisson arrivals). */
export function exponentialGap(random: () => number, meanMs: number): number {
  return -Math.log(1 - random()) * meanMs;
}

/** Request traces the scenarios and tests feed to limiters, and what they measure on the answers. */
import type { Rng } from '@dslab/sim';
import { createLimiter, type Limiter, type Policy } from './algorithms';
import { maxInAnyWindow } from './promises';

/** A Poisson stream of `perMs` requests per ms over [from, to), sorted. */
export function poisson(rng: Rng, perMs: number, from: number, to: number): number[] {
  const times: number[] = [];
  let t = from + rng.exponential(1 / perMs);
  while (t < to) {
    times.push(t);
    t += rng.exponential(1 / perMs);
  }
  return times;
}

/** Evenly spaced requests, `perMs` per ms, over [from, to). */
export function even(perMs: number, from: number, to: number): number[] {
  const times: number[] = [];
  const gap = 1 / perMs;
  for (let t = from; t < to; t += gap) times.push(t);
  return times;
}

/** Feeds a trace to a limiter; the times it admitted. */
export function admittedTimes(limiter: Limiter, times: readonly number[]): number[] {
  const out: number[] = [];
  for (const t of times) if (limiter.attempt(t).admitted) out.push(t);
  return out;
}

export function runPolicy(policy: Policy, times: readonly number[]): number[] {
  return admittedTimes(createLimiter(policy), times);
}

/** Most admitted in any window of `windowMs`, and in any window of a tenth of it. */
export function peaks(admitted: readonly number[], windowMs: number): { window: number; tenth: number } {
  return { window: maxInAnyWindow(admitted, windowMs), tenth: maxInAnyWindow(admitted, windowMs / 10) };
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

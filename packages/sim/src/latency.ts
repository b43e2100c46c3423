/** Latency distributions for links, all sampled from a seeded Rng so they replay. */
import type { Rng } from './rng';

export type LatencyModel =
  | { readonly kind: 'constant'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly min: number; readonly max: number }
  | { readonly kind: 'normal'; readonly mean: number; readonly sd: number; readonly min?: number }
  | { readonly kind: 'exponential'; readonly mean: number; readonly min?: number }
  /**
   * Mostly fast, sometimes very slow: log-normal around `median`, with `p99` setting the tail.
   * Real networks and disks look like this; the tail is what timeouts trip over.
   */
  | { readonly kind: 'long-tail'; readonly median: number; readonly p99: number };

const Z99 = 2.3263478740408408; // standard normal quantile at 0.99

export function sampleLatency(model: LatencyModel, rng: Rng): number {
  // Uniform first and alone: it is the default link's model, drawn once per message.
  if (model.kind === 'uniform') return model.min + (model.max - model.min) * rng.next();
  return sampleOther(model, rng);
}

function sampleOther(model: Exclude<LatencyModel, { kind: 'uniform' }>, rng: Rng): number {
  switch (model.kind) {
    case 'constant':
      return model.ms;
    case 'normal':
      return Math.max(model.min ?? 0, rng.normal(model.mean, model.sd));
    case 'exponential':
      return (model.min ?? 0) + rng.exponential(model.mean);
    case 'long-tail': {
      const sigma = Math.log(model.p99 / model.median) / Z99;
      return model.median * Math.exp(sigma * rng.normal());
    }
  }
}

/** Throws a clear error for a model that cannot be sampled (negative, NaN, inverted bounds). */
export function validateLatency(model: LatencyModel): void {
  const bad = (what: string) => {
    throw new RangeError(`invalid ${model.kind} latency: ${what}`);
  };
  const nonNegative = (value: number, name: string) => {
    if (!Number.isFinite(value) || value < 0) bad(`${name} must be a finite number ≥ 0, got ${value}`);
  };
  switch (model.kind) {
    case 'constant':
      nonNegative(model.ms, 'ms');
      break;
    case 'uniform':
      nonNegative(model.min, 'min');
      nonNegative(model.max, 'max');
      if (model.max < model.min) bad(`max ${model.max} < min ${model.min}`);
      break;
    case 'normal':
      nonNegative(model.mean, 'mean');
      nonNegative(model.sd, 'sd');
      break;
    case 'exponential':
      nonNegative(model.mean, 'mean');
      break;
    case 'long-tail':
      nonNegative(model.median, 'median');
      if (!(model.p99 >= model.median)) bad(`p99 ${model.p99} must be ≥ median ${model.median}`);
      break;
    default:
      bad('unknown kind');
  }
}

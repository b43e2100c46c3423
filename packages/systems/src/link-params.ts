/** The link most systems' params describe: a base latency plus uniform jitter, loss and duplication. */
import type { LinkConfig } from '@dslab/sim';

export interface SimpleLinkParams {
  readonly latencyMs: number;
  readonly jitterMs: number;
  readonly loss?: number;
  readonly duplicate?: number;
}

export function simpleLink(params: SimpleLinkParams): Partial<LinkConfig> {
  return {
    latency:
      params.jitterMs > 0
        ? { kind: 'uniform', min: params.latencyMs, max: params.latencyMs + params.jitterMs }
        : { kind: 'constant', ms: params.latencyMs },
    ...(params.loss !== undefined ? { loss: params.loss } : {}),
    ...(params.duplicate !== undefined ? { duplicate: params.duplicate } : {}),
  };
}

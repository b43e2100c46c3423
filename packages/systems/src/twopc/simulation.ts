/** Two-phase commit on the kit: how its world is built, measured, drawn and fuzzed. */
import type { SimulationSpec } from '../kit';
import { buildTwoPcCluster, type TwoPcCluster, type TwoPcParams } from './cluster';
import { twoPcFuzz } from './fuzz';
import { twoPcDetail, twoPcMetrics, twoPcNodeCards } from './live';

export const twoPcSimulation: SimulationSpec<TwoPcParams, TwoPcCluster> = {
  systemId: 'twopc',
  build: (params, seed, trace) => buildTwoPcCluster(params, seed, { trace }),
  durationMs: (params) => params.durationMs,
  metrics: twoPcMetrics,
  nodes: twoPcNodeCards,
  detail: twoPcDetail,
  liveChecks: (cluster) => {
    const v = cluster.observer.firstViolation;
    return {
      atomicity: v?.property === 'atomicity' ? v.detail : undefined,
      'no unilateral decision': v?.property === 'no unilateral decision' ? v.detail : undefined,
    };
  },
  fuzz: twoPcFuzz,
};

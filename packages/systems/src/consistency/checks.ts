/** The causal store's final checks: the clients' history is causally consistent; the replicas converge. */
import { checkCausal, registerHistory } from '@dslab/check';
import { divergence, type CausalCluster } from './cluster';

export const CAUSAL_CHECK = 'causal consistency (classifier)';
export const CONVERGENCE_CHECK = 'replicas converge';

/** Undefined when the single-key history has no bad pattern of Bouajjani et al.; otherwise the pattern. */
export function causalProblem(cluster: CausalCluster): string | undefined {
  const result = checkCausal(registerHistory(cluster.recorder.history()));
  return result.holds ? undefined : `${result.pattern}: ${result.detail}`;
}

export function convergenceProblem(cluster: CausalCluster): string | undefined {
  return divergence(cluster);
}

/** When a saga run has nothing left to do: shared by the fuzzer's final phase and the scenarios. */
import { CLIENT, type SagaCluster } from './cluster';
import type { SagaClient } from './client';
import type { Orchestrator } from './orchestrator';

/** Every accepted saga has ended (as far as the orchestrator knows), and the client has placed them all. */
export function settled(cluster: SagaCluster): boolean {
  const { world, params, coordinator } = cluster;
  const client = world.node<SagaClient>(CLIENT);
  if (client.placed < params.sagas || client.pendingStarts > 0) return false;
  if (coordinator === undefined || params.mode !== 'orchestrated') return true;
  if (!world.isUp(coordinator)) return false;
  for (const state of world.node<Orchestrator>(coordinator).sagas.values())
    if (state.phase === 'forward' || state.phase === 'backward') return false;
  return true;
}

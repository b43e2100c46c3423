/**
 * CLAIMS B3: "A Redis primary with Sentinel is AP and eventually consistent." Redis replicates
 * asynchronously and a primary cut off with its clients keeps acknowledging writes (unless
 * `min-replicas-to-write` stops it); Sentinel promotes a replica on the majority side, and when the
 * partition heals the old primary becomes a replica of the new one and resynchronises, discarding
 * what it accepted alone. The same shape here: the unfenced primary isolated with one client, the
 * manager promoting a standby, the old primary rewinding on its return. "Eventually consistent" would
 * mean every acknowledged write reaches every replica; what the run measures is that the replicas do
 * agree at the end, on a history without the writes the old primary acknowledged during the split.
 */
import type { Scenario, ScenarioResult } from '../../contract';
import { lostAcknowledged } from '../cluster';
import { runSplit } from './failover';

export const isolatedPrimaryDiscards: Scenario = {
  id: 'isolated-primary-discards',
  title: 'An isolated asynchronous primary: the replicas converge, its acknowledged writes do not survive',
  claim: '"A Redis primary with Sentinel is AP and eventually consistent."',
  expected: 'partly',
  corrected:
    'It answers on both sides of a partition (available), and the replicas do converge after it heals, but by ' +
    'discarding: writes the isolated old primary acknowledged are thrown away when it resynchronises from the new ' +
    'primary. Lost, not converged. `min-replicas-to-write` (a lease-like fence) bounds the window but does not close it.',
  rows: ['B3'],
  run({ seed }): ScenarioResult {
    const run = runSplit(false, seed);
    const { cluster } = run;
    const lost = lostAcknowledged(cluster);
    // Converged: every data node holds the same value for every key once the workload stopped.
    let divergentKeys = 0;
    for (const key of cluster.keys) {
      const values = new Set<string | null>();
      for (const id of cluster.dataNodes)
        if (cluster.world.isUp(id)) values.add(cluster.node(id).valueOf(key).value);
      if (values.size > 1) divergentKeys++;
    }
    const lostDuringSplit = lost.filter((w) => w.client === 'c1').length;
    const partly = divergentKeys === 0 && run.staleAcks > 0 && lost.length > 0;
    return {
      observed: partly ? 'partly' : lost.length === 0 && divergentKeys === 0 ? 'holds' : 'fails',
      summary:
        `The old primary, cut off with one client for 2 s, acknowledged ${run.staleAcks} writes after a standby was promoted. ` +
        `After the heal the replicas agreed on all ${cluster.keys.length} keys (${divergentKeys} divergent), and ${lost.length} ` +
        `acknowledged writes were gone (${lostDuringSplit} of them from the isolated client): converged by discarding, not by merging.`,
      measurements: {
        acknowledgedAfterPromotion: run.staleAcks,
        acknowledgedLost: lost.length,
        lostFromIsolatedClient: lostDuringSplit,
        divergentKeysAtEnd: divergentKeys,
      },
      tables: [
        {
          title: 'n1 (asynchronous primary, unfenced) and client c1 isolated for 2 s',
          columns: [
            'acknowledged after the promotion',
            'acknowledged then lost',
            'keys divergent at the end',
          ],
          rows: [[run.staleAcks, lost.length, divergentKeys]],
        },
      ],
      ...(lost.length > 0 ? { counterexample: { lost: lost.slice(0, 5) } } : {}),
      traceHash: run.hash,
    };
  },
};

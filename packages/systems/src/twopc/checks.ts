/** What must hold once a run is over and healed: everyone resolved, no lock left, no money made or lost. */
import type { TwoPcCluster } from './cluster';

/** After the final heal: time for inquiries, resends and elections to finish everything in doubt. */
export const SETTLE_MS = 6_000;

/** Stops new transactions and runs until nothing is in flight or in doubt (or `SETTLE_MS` passes). */
export function settle(cluster: TwoPcCluster): void {
  cluster.running = false;
  cluster.world.runUntilCondition(() => quiet(cluster), SETTLE_MS);
}

function quiet(cluster: TwoPcCluster): boolean {
  const coordinator = cluster.coordinatorNode();
  if (!coordinator || coordinator.activeCount > 0) return false;
  for (const id of cluster.participants) {
    const p = cluster.participantNode(id);
    if (!p || p.inDoubtCount > 0) return false;
  }
  return true;
}

/** Liveness once healed: no participant still prepared, no transaction still open at the coordinator. */
export function unresolved(cluster: TwoPcCluster): string | undefined {
  const coordinator = cluster.coordinatorNode();
  if (!coordinator) return 'the coordinator is down after the final heal';
  const stuck: string[] = [];
  for (const id of cluster.participants) {
    const p = cluster.participantNode(id);
    if (!p) return `${id} is down after the final heal`;
    for (const { tx } of p.snapshot().inDoubt) if (stuck.length < 5) stuck.push(`${id}:${tx}`);
  }
  if (stuck.length > 0) return `still in doubt ${SETTLE_MS} ms after the heal: ${stuck.join(', ')}`;
  if (coordinator.activeCount > 0)
    return `${coordinator.activeCount} transactions still open at the coordinator ${SETTLE_MS} ms after the heal`;
  return undefined;
}

/** Every transfer sums to zero: the rows' total drifts only if some transaction half-applied. */
export function conservation(cluster: TwoPcCluster): string | undefined {
  let total = 0;
  for (const id of cluster.participants) total += cluster.participantNode(id)?.rowDelta() ?? 0;
  return total === 0 ? undefined : `the rows' total moved by ${total} (every transfer sums to 0)`;
}

/** With nothing in doubt, no row may stay locked. */
export function locksReleased(cluster: TwoPcCluster): string | undefined {
  const held: string[] = [];
  for (const id of cluster.participants)
    for (const { key, tx } of cluster.participantNode(id)?.snapshot().locks ?? [])
      if (held.length < 5) held.push(`${id}:${key} by ${tx}`);
  return held.length > 0 ? `rows still locked with nothing in doubt: ${held.join(', ')}` : undefined;
}

/** Shared pieces of the A3 scenarios: one transaction across three participants, and precise crash points. */
import type { NodeId, World } from '@dslab/sim';
import { buildTwoPcCluster, twoPcParams, type BuildOptions, type TwoPcCluster } from '../cluster';
import type { TxPlan } from '../coordinator';

/** A transfer of 30 from p1's row to p2's and p3's (15 each): every participant votes, every row is locked. */
export const ONE_TRANSFER: TxPlan = [
  { participant: 'p1', ops: [{ key: 'a0', add: -30, min: 0 }] },
  { participant: 'p2', ops: [{ key: 'a0', add: 15 }] },
  { participant: 'p3', ops: [{ key: 'a0', add: 15 }] },
];

/**
 * A cluster whose coordinator runs exactly one transaction (`plan`), at its first workload tick after
 * `startAfterMs` (a Raft decision group needs a few hundred ms to elect its first leader).
 */
export function oneTransaction(
  seed: number,
  overrides: Record<string, unknown> = {},
  options: BuildOptions = {},
  startAfterMs = 0,
  plan: TxPlan = ONE_TRANSFER,
): TwoPcCluster {
  let started = false;
  const cluster: TwoPcCluster = buildTwoPcCluster(
    twoPcParams.parse({ participants: 3, jitterMs: 2, ...overrides }),
    seed,
    {
      ...options,
      workload: () => ({
        intervalMs: 10,
        next: () => {
          if (started || cluster.world.now() < startAfterMs) return undefined;
          started = true;
          return plan;
        },
      }),
    },
  );
  return cluster;
}

/**
 * Runs `act` right after the node's handler that traced `name` (with `match` on its data) finishes: the
 * messages it sent are on their way, nothing else has happened yet. Once only.
 */
export function afterTrace(
  world: World,
  node: NodeId,
  name: string,
  act: () => void,
  match: (data: Readonly<Record<string, unknown>>) => boolean = () => true,
): void {
  let fired = false;
  const stop = world.onTrace((event) => {
    if (fired || event.kind !== 'node' || event.node !== node || event.name !== name) return;
    if (!match(event.data ?? {})) return;
    fired = true;
    // Unsubscribe from the action, not from inside the listener loop that is running now.
    world.at(world.now(), `after ${node} ${name}`, () => {
      stop();
      act();
    });
  });
}

/** The single transaction of a one-transaction cluster. */
export function theTransaction(cluster: TwoPcCluster) {
  const record = cluster.observer.txs.values().next().value;
  if (!record) throw new Error('the transaction never began');
  return record;
}

/** Each participant's time in doubt (PREPARE → outcome; still waiting: until now), in ms. */
export function blockedMs(cluster: TwoPcCluster): Record<NodeId, number> {
  const out: Record<NodeId, number> = {};
  const now = cluster.world.now();
  for (const [id, p] of theTransaction(cluster).at)
    if (p.preparedAt !== undefined) out[id] = (p.resolvedAt ?? now) - p.preparedAt;
  return out;
}

/** The outcome each participant applied ('—' when none). */
export function outcomes(cluster: TwoPcCluster): Record<NodeId, string> {
  const out: Record<NodeId, string> = {};
  for (const [id, p] of theTransaction(cluster).at) out[id] = p.outcome ?? '—';
  return out;
}

export function minOf(values: readonly number[]): number {
  let m = Infinity;
  for (const v of values) m = Math.min(m, v);
  return m;
}

export function maxOf(values: readonly number[]): number {
  let m = -Infinity;
  for (const v of values) m = Math.max(m, v);
  return m;
}

/** Rows locked across the participants that are up. */
export function locksHeld(cluster: TwoPcCluster): number {
  let n = 0;
  for (const id of cluster.participants) n += cluster.participantNode(id)?.lockCount ?? 0;
  return n;
}

/** Runs until every participant of the transaction applied an outcome, or `maxMs`. */
export function runUntilResolved(cluster: TwoPcCluster, maxMs: number): boolean {
  return cluster.world.runUntilCondition(() => {
    const record = cluster.observer.txs.values().next().value;
    if (!record) return false;
    for (const p of record.at.values()) if (p.outcome === undefined) return false;
    return true;
  }, maxMs);
}

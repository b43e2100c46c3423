/**
 * The lab's pictures, keyed by the view kind a system declares (`SystemDefinition.view`). The pages
 * never name a system: they look its view kind up here and fall back to the generic node cards.
 * A system with its own picture adds a folder beside this file and one line below.
 */
import type { ViewEntry } from './types';
import { raftView } from './raft';
import { ringView } from './ring';
import { bloomView } from './bloom';
import { hyperloglogView } from './hyperloglog';
import { btreeView } from './btree';
import { lsmView } from './lsm';
import { clocksView } from './clocks';
import { rateLimitView } from './ratelimit';
import { quorumView } from './quorum';
import { cacheView } from './cache';
import { leasesView } from './leases';
import { replicationView } from './replication';
import { backpressureView } from './backpressure';
import { outboxView } from './outbox';
import { mvccView } from './mvcc';
import { twoPcView } from './twopc';
import { sagasView } from './sagas';
import { resilienceView } from './resilience';
import { plogView } from './plog';

export const views: readonly ViewEntry[] = [
  raftView,
  ringView,
  bloomView,
  hyperloglogView,
  btreeView,
  lsmView,
  clocksView,
  rateLimitView,
  quorumView,
  cacheView,
  replicationView,
  backpressureView,
  outboxView,
  mvccView,
  twoPcView,
  sagasView,
  leasesView,
  resilienceView,
  plogView,
];

const byKind = new Map(views.map((entry) => [entry.kind, entry]));
if (byKind.size !== views.length) throw new Error('two lab views share a view kind');

/** The view registered for a kind, or undefined (no kind, or a kind nothing draws yet). */
export function viewFor(kind: string | undefined): ViewEntry | undefined {
  return kind === undefined ? undefined : byKind.get(kind);
}

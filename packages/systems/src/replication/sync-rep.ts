/**
 * Which LSN the synchronous standbys have reached, the way PostgreSQL's syncrep.c decides when a
 * waiting commit may return: with `FIRST k (names)` the k highest-priority standbys that are
 * connected right now must all have reached it (the smallest of their positions counts); with
 * `ANY k (names)` any k of the connected named standbys will do (the k-th largest position counts).
 * Fewer than k connected standbys: nothing is synced and commits wait, as in PostgreSQL.
 */
import type { NodeId } from '@dslab/sim';
import type { CommitLevel, SyncStandbys } from './messages';

export interface StandbyPositions {
  readonly write: number;
  readonly flush: number;
  readonly replay: number;
}

/** The position a level waits on: remote_write on the standby's write, on its flush, remote_apply its replay. */
export function positionFor(level: CommitLevel, p: StandbyPositions): number {
  if (level === 'remote_apply') return p.replay;
  if (level === 'on') return p.flush;
  return p.write;
}

/** Whether a commit at this level waits for standbys at all under `sync`. */
export function waitsForStandbys(level: CommitLevel, sync: SyncStandbys): boolean {
  return sync.count > 0 && sync.names.length > 0 && level !== 'off' && level !== 'local';
}

/**
 * The LSN up to which commits at `level` may return, given the connected standbys' positions
 * (`connected` holds only standbys that are streaming on the primary's timeline). 0 when too few
 * of the named standbys are connected.
 */
export function syncedLsn(
  level: CommitLevel,
  sync: SyncStandbys,
  connected: ReadonlyMap<NodeId, StandbyPositions>,
): number {
  const positions: number[] = [];
  for (const name of sync.names) {
    const p = connected.get(name);
    if (p) positions.push(positionFor(level, p));
    // FIRST k takes the k connected standbys that come first in the list, in list order.
    if (sync.method === 'first' && positions.length === sync.count) break;
  }
  if (positions.length < sync.count) return 0;
  if (sync.method === 'first') {
    let min = Infinity;
    for (const p of positions) min = Math.min(min, p);
    return min;
  }
  positions.sort((a, b) => b - a);
  return positions[sync.count - 1] as number;
}

/** The `synchronous_standby_names` text for a setting, as one would write it in postgresql.conf. */
export function describeSync(sync: SyncStandbys): string {
  if (sync.count === 0 || sync.names.length === 0) return "''";
  return `${sync.method.toUpperCase()} ${sync.count} (${sync.names.join(', ')})`;
}

/**
 * Shard-key migration by dual write, backfill and read flip, run as interleaved steps: writers update
 * and delete rows in the old store and, once dual writing is on, in the new store too; a backfill job
 * copies the old store into the new one row by row (read, then write, with other steps in between).
 * What the backfill's write does decides whether the new store ends up equal to the old one.
 */
import type { Rng } from '@dslab/sim';

/** How the backfill writes a row it copied. */
export type BackfillWrite =
  /** Overwrite whatever the new store holds. */
  | 'overwrite'
  /** Write only if the new store has no row with that key (INSERT … ON CONFLICT DO NOTHING). */
  | 'insert-if-absent'
  /** Write only if the copy's version is newer than the new store's, which remembers deletes as tombstones. */
  | 'versioned-with-tombstones';

interface Row {
  readonly value: string;
  readonly version: number;
}

export interface RekeyResult {
  /** Rows whose value in the new store is older than in the old one (a dual write overwritten). */
  readonly staleRows: number;
  /** Rows deleted in the old store that exist again in the new one. */
  readonly resurrectedRows: number;
  /** Rows in the old store missing from the new one. */
  readonly missingRows: number;
  readonly rows: number;
  /** One concrete lost update, when there is one. */
  readonly example: string | undefined;
}

export function runRekey(strategy: BackfillWrite, rows: number, rng: Rng): RekeyResult {
  const old = new Map<number, Row>();
  const fresh = new Map<number, Row | 'tombstone'>();
  let version = 0;
  for (let id = 0; id < rows; id++) old.set(id, { value: `v${++version}`, version });
  let dualWrite = false;
  let cursor = 0;
  /** The backfill's batch in flight: read from the old store, not yet written to the new one. */
  const copying: { id: number; row: Row }[] = [];
  const BATCH = 200;
  let example: string | undefined;
  const writeFresh = (id: number, row: Row | 'tombstone') => {
    if (strategy === 'versioned-with-tombstones' || row !== 'tombstone') fresh.set(id, row);
    else fresh.delete(id);
  };
  let step = 0;
  while (cursor < rows || copying.length > 0) {
    step++;
    if (step === Math.floor(rows / 10)) dualWrite = true; // writes start going to both stores
    const roll = rng.next();
    if (roll < 0.6) {
      // A writer: update or delete a row — a fifth of the traffic on a hot 1% — in the old store and,
      // when dual writing is on, in the new one.
      const id = rng.next() < 0.2 ? rng.int(Math.max(1, Math.floor(rows / 100))) : rng.int(rows);
      if (rng.next() < 0.85) {
        const row = { value: `v${++version}`, version };
        old.set(id, row);
        if (dualWrite) writeFresh(id, row);
      } else {
        old.delete(id);
        if (dualWrite) writeFresh(id, 'tombstone');
      }
    } else if (copying.length === 0 && cursor < rows && dualWrite) {
      // SELECT … WHERE id BETWEEN cursor AND cursor + BATCH: one read of a batch…
      for (const end = Math.min(rows, cursor + BATCH); cursor < end; cursor++) {
        const row = old.get(cursor);
        if (row) copying.push({ id: cursor, row });
      }
    } else if (copying.length > 0) {
      // …then one write per row, while the writers keep going.
      const { id, row } = copying.shift() as { id: number; row: Row };
      const current = fresh.get(id);
      if (strategy === 'overwrite') {
        if (current !== undefined && current !== 'tombstone' && current.version > row.version && !example) {
          example = `row ${id}: the backfill read version ${row.version}, a dual write then stored version ${current.version}, and the backfill overwrote it with ${row.version}`;
        }
        fresh.set(id, row);
      } else if (strategy === 'insert-if-absent') {
        if (current === undefined) fresh.set(id, row);
      } else {
        const currentVersion =
          current === undefined ? 0 : current === 'tombstone' ? Infinity : current.version;
        if (row.version > currentVersion) fresh.set(id, row);
      }
    }
  }
  // Reads flip to the new store now: compare it with the old one.
  let stale = 0;
  let resurrected = 0;
  let missing = 0;
  for (let id = 0; id < rows; id++) {
    const a = old.get(id);
    const b = fresh.get(id);
    const live = b === undefined || b === 'tombstone' ? undefined : b;
    if (a && !live) missing++;
    else if (!a && live) resurrected++;
    else if (a && live && live.version < a.version) stale++;
  }
  return { staleRows: stale, resurrectedRows: resurrected, missingRows: missing, rows, example };
}

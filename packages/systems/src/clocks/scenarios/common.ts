/** What the clock scenarios share: quiet worlds driven by hand, and the writes a run made. */
import { lwwWins, type LwwWrite } from '../lww';
import type { RecordedEvent } from '../recorder';

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** A world with nothing scheduled of its own: no workload, no gossip, no polls (scenarios add what they need). */
export const quiet = {
  actionIntervalMs: 0,
  gossipIntervalMs: 0,
  syncIntervalMs: 0,
  clockSpreadMs: 0,
  driftSpreadPpm: 0,
} as const;

export interface TimedWrite {
  readonly write: LwwWrite;
  /** True time of the write. */
  readonly t: number;
  /** Whether it became the key's value at its own node when written. */
  readonly applied: boolean;
}

export function writesOf(events: readonly RecordedEvent[]): TimedWrite[] {
  return events
    .filter((e) => e.action === 'write' && e.write !== undefined)
    .map((e) => ({ write: e.write as LwwWrite, t: e.t, applied: e.applied ?? false }));
}

/**
 * Writes lost to an earlier write: in true-time order, a write is lost when some write made before it to
 * the same key wins over it under the replicas' rule (largest timestamp, then writer) — it can never be
 * the value again, although it came later.
 */
export function lostToEarlier(writes: readonly TimedWrite[]): Set<string> {
  const lost = new Set<string>();
  const best = new Map<string, LwwWrite>();
  for (const { write } of [...writes].sort((a, b) => a.t - b.t)) {
    const current = best.get(write.key);
    if (current && lwwWins(current, write)) lost.add(write.id);
    else best.set(write.key, write);
  }
  return lost;
}

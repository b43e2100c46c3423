/**
 * Session guarantees (Terry et al. 1994) judged on a recorded history of single-key reads and writes,
 * one session per process. Each key's writes are ordered by a version the caller supplies (a commit
 * LSN, a counter the writer increments); the value a key holds before any write has version 0.
 *
 * Per key, as for single registers:
 * - read your writes: a read returns a version at least as new as the session's own latest write to
 *   that key that completed before the read began;
 * - monotonic reads: a read never returns an older version than an earlier read of the session did;
 * - monotonic writes: two writes of one session to a key take effect in session order;
 * - writes follow reads: a write ordered after a version the session read is ordered after that version.
 * A read of a value with no known version (a write lost with its node) is counted, not judged.
 *
 * A snapshot read of several keys is judged key by key. A read of siblings observed every sibling, so
 * it counts as having seen the newest of them in the version order (a read of {v1, v3} has seen v3).
 */
import type { History, Operation } from '../history';
import { observationsOf, type ObservationOptions } from './observations';

export const SESSION_GUARANTEES = [
  'read-your-writes',
  'monotonic-reads',
  'monotonic-writes',
  'writes-follow-reads',
] as const;
export type SessionGuarantee = (typeof SESSION_GUARANTEES)[number];

/** Violations kept per guarantee with their operations (all are counted). */
export const MAX_REPORTED_VIOLATIONS = 20;

export interface SessionCheckOptions extends ObservationOptions {
  /** A written value's place in its key's version order; undefined when the value is unknown. */
  versionOf(key: string, value: unknown): number | undefined;
}

export interface SessionViolation {
  readonly guarantee: SessionGuarantee;
  readonly process: string;
  /** The earlier operation and the one that breaks the guarantee against it (history ids). */
  readonly earlier: number;
  readonly later: number;
  readonly detail: string;
}

export interface SessionCheckResult {
  readonly operations: number;
  readonly sessions: number;
  readonly counts: Readonly<Record<SessionGuarantee, number>>;
  /** The first violations of each guarantee, in history order of the breaking operation. */
  readonly violations: readonly SessionViolation[];
  /** Reads that returned a value with no known version (not judged). */
  readonly unknownReads: number;
}

function describe(op: Operation, key: string, value: unknown): string {
  return `${op.f} ${key}=${JSON.stringify(value)} (op ${op.id}, ${op.call.toFixed(1)}–${op.ret.toFixed(1)} ms)`;
}

/** Judges every session of `history` against the four guarantees. */
export function checkSessionGuarantees(history: History, options: SessionCheckOptions): SessionCheckResult {
  const bySession = new Map<string, Operation[]>();
  for (const op of history) {
    if (op.f !== 'read' && op.f !== 'write')
      throw new Error(`session check: operation ${op.id} is '${op.f}'; only read and write are judged`);
    let ops = bySession.get(op.process);
    if (!ops) bySession.set(op.process, (ops = []));
    ops.push(op);
  }
  const counts: Record<SessionGuarantee, number> = {
    'read-your-writes': 0,
    'monotonic-reads': 0,
    'monotonic-writes': 0,
    'writes-follow-reads': 0,
  };
  const violations: SessionViolation[] = [];
  const report = (
    guarantee: SessionGuarantee,
    process: string,
    earlier: { op: Operation; key: string; value: unknown },
    later: { op: Operation; key: string; value: unknown },
    why: string,
  ) => {
    counts[guarantee]++;
    if (violations.filter((v) => v.guarantee === guarantee).length < MAX_REPORTED_VIOLATIONS)
      violations.push({
        guarantee,
        process,
        earlier: earlier.op.id,
        later: later.op.id,
        detail: `${process}: ${describe(later.op, later.key, later.value)} ${why} ${describe(earlier.op, earlier.key, earlier.value)}`,
      });
  };
  const versionOf = (key: string, value: unknown): number | undefined =>
    value === null ? 0 : options.versionOf(key, value);
  let unknownReads = 0;
  /** A judged effect: the operation, its key, the value it wrote or saw, and that value's version. */
  interface Seen {
    readonly op: Operation;
    readonly key: string;
    readonly value: unknown;
    readonly version: number;
  }
  for (const [process, ops] of bySession) {
    ops.sort((a, b) => a.call - b.call || a.id - b.id);
    // Per key: the newest own write, the newest version read, and the newest version the session's
    // writes must follow (its own writes and what it read), each with the operation that set it.
    const ownWrite = new Map<string, Seen>();
    const lastWrite = new Map<string, Seen>();
    const readMax = new Map<string, Seen>();
    const pending: Seen[] = [];
    const settle = (before: number) => {
      // Effects of operations that completed before `before` (sessions are sequential, so this is
      // every earlier operation except one left open by an unknown outcome).
      for (let i = pending.length - 1; i >= 0; i--) {
        const p = pending[i] as Seen;
        if (p.op.ret >= before) continue;
        pending.splice(i, 1);
        const target = p.op.f === 'write' ? ownWrite : readMax;
        const current = target.get(p.key);
        if (!current || p.version > current.version) target.set(p.key, p);
      }
    };
    for (const op of ops) {
      settle(op.call);
      if (op.outcome !== 'ok') continue;
      const observed = observationsOf(op, options);
      if (observed.kind === 'write') {
        const { key, value } = observed;
        const version = versionOf(key, value);
        if (version === undefined) continue;
        const seen: Seen = { op, key, value, version };
        const previous = lastWrite.get(key);
        if (previous && version < previous.version)
          report('monotonic-writes', process, previous, seen, 'is ordered before the session’s earlier');
        const read = readMax.get(key);
        if (read && version < read.version)
          report(
            'writes-follow-reads',
            process,
            read,
            seen,
            'is ordered before a version the session read in',
          );
        lastWrite.set(key, seen);
        pending.push(seen);
        continue;
      }
      for (const { key, values } of observed.keys) {
        // The newest value observed (siblings: the newest of them); none is the initial value.
        let version: number | undefined = values.length === 0 ? 0 : -1;
        let value: unknown = null;
        for (const v of values) {
          const version1 = versionOf(key, v);
          if (version1 === undefined) {
            version = undefined;
            break;
          }
          if (version1 > (version as number)) {
            version = version1;
            value = v;
          }
        }
        if (version === undefined) {
          unknownReads++;
          continue;
        }
        const seen: Seen = { op, key, value: values.length > 1 ? { siblings: values } : value, version };
        const own = ownWrite.get(key);
        if (own && version < own.version)
          report('read-your-writes', process, own, seen, 'misses the session’s own');
        const read = readMax.get(key);
        if (read && version < read.version)
          report('monotonic-reads', process, read, seen, 'is older than the earlier');
        pending.push(seen);
      }
    }
  }
  return { operations: history.length, sessions: bySession.size, counts, violations, unknownReads };
}

/** The guarantees a result breaks, in the order of SESSION_GUARANTEES. */
export function brokenGuarantees(result: SessionCheckResult): SessionGuarantee[] {
  return SESSION_GUARANTEES.filter((g) => result.counts[g] > 0);
}

/**
 * Raft's safety properties (paper figure 3), checked while a cluster runs: the observer hooks record
 * every election, commit and apply the moment it happens, and the first violation stops the World.
 */
import type { NodeId, World } from '@dslab/sim';
import type { RaftLog } from './log';
import type { RaftNode } from './node';
import type { LogView, RaftObserver } from './observer';
import type { Entry } from './types';

type TermAt = (index: number) => number | undefined;

function entryKey(entry: Entry): string {
  switch (entry.kind) {
    case 'noop':
      return `${entry.term}:noop`;
    case 'config':
      return `${entry.term}:config:${entry.voters.join(',')}`;
    case 'command':
      return `${entry.term}:${entry.command.client}#${entry.command.seq}`;
  }
}

/** The safety properties RaftSafety judges, each a World invariant of its own. */
export const RAFT_SAFETY_PROPERTIES = [
  'election safety',
  'leader completeness',
  'commit index never decreases',
  'log matching of committed entries',
  'state machine safety',
  'snapshot safety',
] as const;

export type RaftSafetyProperty = (typeof RAFT_SAFETY_PROPERTIES)[number];

export class RaftSafety implements RaftObserver {
  /** term → the node that won it. */
  readonly leaders = new Map<number, NodeId>();
  /** index → term of the entry committed there (by anyone, ever). */
  private readonly committedTerms: number[] = [];
  /** index → the lowest term in which some node knew it committed (leaders of later terms must hold it). */
  private readonly committedIn: number[] = [];
  /** index → the entry some node applied there first (compared by `entryKey`). */
  private readonly appliedEntries: Entry[] = [];
  /** Commit index per node life (node, then incarnation): it must never move back. */
  private readonly commitByLife = new Map<NodeId, Map<number, number>>();
  /** The first violation, with the property's name. */
  violation: { readonly property: RaftSafetyProperty; readonly detail: string } | undefined;
  elections = 0;

  private fail(property: RaftSafetyProperty, detail: string): void {
    if (!this.violation) this.violation = { property, detail };
  }

  becameLeader(node: NodeId, _incarnation: number, term: number, log: LogView): void {
    this.elections++;
    const previous = this.leaders.get(term);
    if (previous !== undefined && previous !== node) {
      this.fail('election safety', `two leaders in term ${term}: ${previous} and ${node}`);
    }
    this.leaders.set(term, node);
    // Leader completeness: the new leader's log holds every entry committed so far.
    for (let i = log.snapshotIndex + 1; i < this.committedTerms.length; i++) {
      const committed = this.committedTerms[i];
      if (committed === undefined || (this.committedIn[i] as number) >= term) continue;
      const mine = log.term(i);
      if (mine !== committed) {
        this.fail(
          'leader completeness',
          mine === undefined
            ? `${node} leads term ${term} without committed entry ${i} (term ${committed}); its log ends at ${log.lastIndex}`
            : `${node} leads term ${term} with term ${mine} at index ${i}, where term ${committed} was committed`,
        );
        return;
      }
    }
  }

  committed(node: NodeId, incarnation: number, term: number, from: number, to: number, termAt: TermAt): void {
    let lives = this.commitByLife.get(node);
    if (!lives) this.commitByLife.set(node, (lives = new Map()));
    const before = lives.get(incarnation) ?? 0;
    if (to < before)
      this.fail('commit index never decreases', `${node} moved its commit index from ${before} to ${to}`);
    lives.set(incarnation, to);
    for (let i = from + 1; i <= to; i++) {
      const entryTerm = termAt(i);
      if (entryTerm === undefined) continue; // inside a snapshot just installed
      const known = this.committedTerms[i];
      if (known === undefined) {
        this.committedTerms[i] = entryTerm;
        this.committedIn[i] = term;
      } else if (known !== entryTerm) {
        this.fail(
          'log matching of committed entries',
          `${node} committed term ${entryTerm} at index ${i}, where term ${known} was committed before`,
        );
      } else if (term < (this.committedIn[i] as number)) this.committedIn[i] = term;
    }
  }

  applied(node: NodeId, index: number, entry: Entry): void {
    const known = this.appliedEntries[index];
    if (known === undefined) this.appliedEntries[index] = entry;
    else if (!sameEntry(known, entry)) {
      this.fail(
        'state machine safety',
        `${node} applied ${entryKey(entry)} at index ${index}, another node applied ${entryKey(known)}`,
      );
    }
  }

  installedSnapshot(node: NodeId, index: number, term: number): void {
    const known = this.committedTerms[index];
    if (known !== undefined && known !== term) {
      this.fail(
        'snapshot safety',
        `${node} installed a snapshot ending at ${index} in term ${term}; term ${known} was committed there`,
      );
    }
  }

  /** Highest index known committed. */
  get commitIndex(): number {
    return Math.max(0, this.committedTerms.length - 1);
  }

  report(): string | undefined {
    return this.violation ? `${this.violation.property}: ${this.violation.detail}` : undefined;
  }
}

/** A live node's log, as the log-matching checks see it. */
export interface NamedLog {
  readonly id: NodeId;
  readonly log: RaftLog;
}

function liveLogs(world: World, servers: readonly NodeId[]): NamedLog[] {
  const logs: NamedLog[] = [];
  for (const id of servers) if (world.isUp(id)) logs.push(world.node<RaftNode>(id));
  return logs;
}

/**
 * Log matching across every pair of live nodes: where two logs hold an entry of the same term at the
 * same index, they agree on every entry before it. Costs O(nodes² · log): the final check of a run; while
 * a cluster runs, `LogMatchingCheck` reaches the same verdicts looking only at what changed.
 */
export function checkLogMatching(world: World, servers: readonly NodeId[]): string | undefined {
  return logMatchingViolation(liveLogs(world, servers));
}

/** The full scan over every pair of `logs`, in order: the first pair that breaks log matching, described. */
export function logMatchingViolation(logs: readonly NamedLog[]): string | undefined {
  for (let a = 0; a < logs.length; a++) {
    for (let b = a + 1; b < logs.length; b++) {
      const problem = pairViolation(logs[a] as NamedLog, logs[b] as NamedLog);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}

function pairViolation(xn: NamedLog, yn: NamedLog): string | undefined {
  const x = xn.log;
  const y = yn.log;
  const low = Math.max(x.snapshotIndex, y.snapshotIndex) + 1;
  const high = Math.min(x.lastIndex, y.lastIndex);
  // The highest index where the terms agree; everything from `low` up to it must agree too.
  let top = high;
  while (top >= low && x.term(top) !== y.term(top)) top--;
  for (let i = low; i <= top; i++) {
    const a = x.entry(i);
    const b = y.entry(i);
    if (a === b) continue; // the same object the leader sent (the common case in the simulator)
    const ex = entryKey(a);
    const ey = entryKey(b);
    if (ex !== ey) {
      return `${xn.id} and ${yn.id} agree at index ${top} but differ at ${i}: ${ex} vs ${ey}`;
    }
  }
  return undefined;
}

/** `entryKey(a) === entryKey(b)`, without building the keys in the common cases. */
function sameEntry(a: Entry, b: Entry): boolean {
  if (a === b) return true;
  if (a.term === b.term) {
    if (a.kind === 'noop' && b.kind === 'noop') return true;
    if (
      a.kind === 'command' &&
      b.kind === 'command' &&
      a.command.client === b.command.client &&
      a.command.seq === b.command.seq
    )
      return true;
  }
  return entryKey(a) === entryKey(b);
}

/** What the incremental check knows about one pair of logs (the objects: a restarted node's log is new). */
interface PairState {
  readonly xMark: { lastIndex: number; truncations: number };
  readonly yMark: { lastIndex: number; truncations: number };
  /** Every index from the pair's `low` to here holds the same entry in both logs. */
  agree: number;
  /** When above `agree`: every index in (agree, disjointTo] holds entries of different terms. */
  disjointTo: number;
}

/**
 * Log matching as `logMatchingViolation` judges it, pair by pair in the same order and with the same
 * message, but incremental: per pair of logs it remembers how far the two agree entry for entry and,
 * past their first difference, how far their terms differ at every index — the full scan's verdict
 * depends on nothing else (a pair breaks log matching exactly when some index at or after its first
 * difference holds the same term in both). Each call then reads only the entries appended, overwritten
 * or uncovered since the last one (`RaftLog.changedSince`), instead of both logs whole.
 */
export class LogMatchingCheck {
  private readonly pairs = new WeakMap<RaftLog, WeakMap<RaftLog, PairState>>();

  check(world: World, servers: readonly NodeId[]): string | undefined {
    return this.checkLogs(liveLogs(world, servers));
  }

  checkLogs(logs: readonly NamedLog[]): string | undefined {
    for (let a = 0; a < logs.length; a++) {
      for (let b = a + 1; b < logs.length; b++) {
        const xn = logs[a] as NamedLog;
        const yn = logs[b] as NamedLog;
        if (this.pairMayBreak(xn.log, yn.log)) {
          // The full scan of this one pair writes the verdict, so the message is the full check's.
          const problem = pairViolation(xn, yn);
          if (problem !== undefined) return problem;
          this.pairs.get(xn.log)?.delete(yn.log); // (never expected) start this pair over next time
        }
      }
    }
    return undefined;
  }

  /** False when the pair certainly satisfies log matching; true when some index says it may not. */
  private pairMayBreak(x: RaftLog, y: RaftLog): boolean {
    let byY = this.pairs.get(x);
    if (!byY) this.pairs.set(x, (byY = new WeakMap()));
    const low = Math.max(x.snapshotIndex, y.snapshotIndex) + 1;
    const high = Math.min(x.lastIndex, y.lastIndex);
    let state = byY.get(y);
    let agree = low - 1;
    let disjointTo = low - 1;
    if (state) {
      // What is still known: nothing at or past the lowest index either log changed since.
      const valid = Math.min(x.changedSince(state.xMark), y.changedSince(state.yMark)) - 1;
      agree = Math.min(state.agree, valid, high);
      disjointTo = Math.min(state.disjointTo, valid, high);
      if (agree < low - 1) {
        // Compaction moved `low` past the agreeing prefix, into the part where the terms differ (the
        // first difference was at agree + 1) or past it.
        agree = low - 1;
        if (disjointTo < low) disjointTo = low - 1;
      }
    } else {
      state = { xMark: x.mark(), yMark: y.mark(), agree, disjointTo };
      byY.set(y, state);
    }
    let i: number;
    if (disjointTo > agree) {
      i = disjointTo + 1; // the first difference is at agree + 1 and the terms differ up to disjointTo
    } else {
      i = agree + 1;
      const xBase = x.snapshotIndex;
      const yBase = y.snapshotIndex;
      const xs = x.all();
      const ys = y.all();
      while (i <= high && sameEntry(xs[i - xBase - 1] as Entry, ys[i - yBase - 1] as Entry)) i++;
      agree = i - 1;
      if (i <= high) {
        if (x.term(i) === y.term(i)) return true; // different entries of the same term
        i++;
      }
    }
    // Past the first difference no index may hold the same term in both logs.
    while (i <= high && x.term(i) !== y.term(i)) i++;
    if (i <= high) return true;
    x.markInto(state.xMark);
    y.markInto(state.yMark);
    state.agree = agree;
    state.disjointTo = Math.max(agree, high);
    return false;
  }
}

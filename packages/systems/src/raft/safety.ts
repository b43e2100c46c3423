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

/** What the incremental check knows about one log it saw (the object: a restarted node's log is new). */
interface LogState {
  readonly log: RaftLog;
  /** Where the log stood when the call numbered `seen` ended (0: no call has ended with it yet). */
  readonly mark: { lastIndex: number; truncations: number };
  seen: number;
  /** During a call: the lowest index the log changed since `mark` (`RaftLog.changedSince`). */
  changedFrom: number;
  /** What is known about its pairs with the logs after it in the calls' order (a handful: found by a scan). */
  readonly pairs: PairState[];
}

/** What the incremental check knows about one pair of logs, as of the call numbered `seen`. */
interface PairState {
  readonly other: LogState;
  seen: number;
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
 *
 * It runs every few dozen events of a simulated cluster, so its fixed cost counts as much as its scan:
 * each log's changes are found once per call (not once per pair), and what it knows is kept in plain
 * arrays searched by identity (a handful of logs) rather than maps keyed by log.
 */
export class LogMatchingCheck {
  // Arrays reused from call to call, each with a count of the slots in use (no array per call, and no
  // length writes, which give their backing store back).
  /** The logs of the last call that ended, in its order. */
  private states: LogState[] = [];
  private statesCount = 0;
  /** This call's logs, in its order. */
  private current: LogState[] = [];
  private calls = 0;
  /** The live logs `check` hands over: found again only once a node started, crashed or restarted. */
  private readonly live: NamedLog[] = [];
  private liveOf: { world: World; servers: readonly NodeId[]; count: number; lives: number } | undefined;

  check(world: World, servers: readonly NodeId[]): string | undefined {
    const live = this.live;
    const known = this.liveOf;
    const lives = world.nodeLives;
    if (
      known === undefined ||
      known.world !== world ||
      known.servers !== servers ||
      known.count !== servers.length ||
      known.lives !== lives
    ) {
      let count = 0;
      for (const id of servers) if (world.isUp(id)) live[count++] = world.node<RaftNode>(id);
      if (live.length > count) live.length = count; // (a crashed node's instance is not kept)
      this.liveOf = { world, servers, count: servers.length, lives };
    }
    return this.checkLogs(live);
  }

  checkLogs(logs: readonly NamedLog[]): string | undefined {
    const count = logs.length;
    const call = ++this.calls;
    const current = this.current;
    for (let a = 0; a < count; a++) {
      const state = this.stateOf((logs[a] as NamedLog).log);
      state.changedFrom = state.seen > 0 ? state.log.changedSince(state.mark) : 0;
      current[a] = state;
    }
    for (let a = 0; a < count; a++) {
      for (let b = a + 1; b < count; b++) {
        const xs = current[a] as LogState;
        const ys = current[b] as LogState;
        const pair = this.pairOf(xs, ys);
        if (this.pairMayBreak(xs, ys, pair, call)) {
          // The full scan of this one pair writes the verdict, so the message is the full check's.
          const problem = pairViolation(logs[a] as NamedLog, logs[b] as NamedLog);
          if (problem !== undefined) return problem; // (marks not taken: what this call learned is dropped)
          pair.seen = -1; // (never expected) start this pair over next time
        }
      }
    }
    // Every pair is now known as of each log's state at this call: mark the logs there.
    for (let a = 0; a < count; a++) {
      const state = current[a] as LogState;
      state.log.markInto(state.mark);
      state.seen = call;
    }
    // Logs not handed over this time (a crashed node's) are forgotten, with their pairs.
    let dropped = this.statesCount !== count;
    for (let a = 0; a < this.statesCount; a++) if ((this.states[a] as LogState).seen !== call) dropped = true;
    this.current = this.states;
    this.states = current;
    this.statesCount = count;
    if (dropped) {
      for (let a = 0; a < count; a++) {
        const pairs = (current[a] as LogState).pairs;
        let kept = 0;
        for (const pair of pairs) if (pair.other.seen === call) pairs[kept++] = pair;
        pairs.length = kept;
      }
      // Drop the references to forgotten logs, in both arrays (either may be next call's list).
      this.current.length = 0;
      current.length = count;
    }
    return undefined;
  }

  private stateOf(log: RaftLog): LogState {
    for (let a = 0; a < this.statesCount; a++) {
      const state = this.states[a] as LogState;
      if (state.log === log) return state;
    }
    return { log, mark: { lastIndex: 0, truncations: 0 }, seen: 0, changedFrom: 0, pairs: [] };
  }

  private pairOf(x: LogState, y: LogState): PairState {
    for (const pair of x.pairs) if (pair.other === y) return pair;
    const pair = { other: y, seen: -1, agree: 0, disjointTo: 0 };
    x.pairs.push(pair);
    return pair;
  }

  /** False when the pair certainly satisfies log matching; true when some index says it may not. */
  private pairMayBreak(xs: LogState, ys: LogState, state: PairState, call: number): boolean {
    const x = xs.log;
    const y = ys.log;
    const low = Math.max(x.snapshotIndex, y.snapshotIndex) + 1;
    const high = Math.min(x.lastIndex, y.lastIndex);
    let agree = low - 1;
    let disjointTo = low - 1;
    // What the pair knows holds for both logs as marked when its last call ended — both marks must be
    // from that call (a call that stopped at a violation took none; a log new to the pair has none).
    if (state.seen > 0 && state.seen === xs.seen && state.seen === ys.seen) {
      // What is still known: nothing at or past the lowest index either log changed since.
      const valid = Math.min(xs.changedFrom, ys.changedFrom) - 1;
      agree = Math.min(state.agree, valid, high);
      disjointTo = Math.min(state.disjointTo, valid, high);
      if (agree < low - 1) {
        // Compaction moved `low` past the agreeing prefix, into the part where the terms differ (the
        // first difference was at agree + 1) or past it.
        agree = low - 1;
        if (disjointTo < low) disjointTo = low - 1;
      }
    }
    let i: number;
    if (disjointTo > agree) {
      i = disjointTo + 1; // the first difference is at agree + 1 and the terms differ up to disjointTo
    } else {
      i = agree + 1;
      const xBase = x.snapshotIndex;
      const yBase = y.snapshotIndex;
      const xEntries = x.all();
      const yEntries = y.all();
      while (i <= high && sameEntry(xEntries[i - xBase - 1] as Entry, yEntries[i - yBase - 1] as Entry)) i++;
      agree = i - 1;
      if (i <= high) {
        if (x.term(i) === y.term(i)) return true; // different entries of the same term
        i++;
      }
    }
    // Past the first difference no index may hold the same term in both logs.
    while (i <= high && x.term(i) !== y.term(i)) i++;
    if (i <= high) return true;
    state.seen = call;
    state.agree = agree;
    state.disjointTo = Math.max(agree, high);
    return false;
  }
}

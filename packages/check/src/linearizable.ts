/**
 * Linearizability checking by just-in-time linearization (Wing & Gong 1993, with Lowe's 2017
 * memoization): walk the history in time order, try to linearize each pending operation whose
 * invocation has been reached, and backtrack when a completion is reached before its operation was
 * linearized. (set of linearized operations, model state) pairs already explored are cached.
 * Operations whose outcome is unknown (info) are optional: the search may linearize them when that
 * helps, and never has to. Failed operations took no effect and are dropped, unless the model says
 * a failure still observed something (a failed cas saw another value).
 */
import type { History, Operation } from './history';
import type { Model } from './model';

export type Verdict = 'linearizable' | 'not-linearizable' | 'unknown';

export interface CheckOptions {
  /** Give up with `unknown` after exploring this many distinct configurations (per part). */
  readonly maxStates?: number;
  /** Returns true when time is up; checked every few thousand steps (the caller owns the clock). */
  readonly deadlineReached?: () => boolean;
}

export interface PartResult {
  readonly verdict: Verdict;
  readonly operations: number;
  /** Explored configurations. */
  readonly states: number;
  /** For a violation: the longest sequence of operation ids the search could linearize… */
  readonly longestLinearization?: readonly number[];
  /** …and the operation that could not be placed after it (completed before it could be linearized). */
  readonly stuckOperation?: number;
  /** Model state after the longest linearization. */
  readonly stateAfterLongest?: string;
  readonly reason?: string;
}

export interface CheckResult {
  readonly verdict: Verdict;
  readonly model: string;
  readonly operations: number;
  readonly parts: readonly PartResult[];
}

interface Entry {
  readonly op: Operation;
  readonly isCall: boolean;
  /** For a call entry: its return entry (undefined for optional operations). */
  match: Entry | undefined;
  prev: Entry | undefined;
  next: Entry | undefined;
}

const DEFAULT_MAX_STATES = 2_000_000;

export function checkLinearizable<S>(
  history: History,
  model: Model<S>,
  options: CheckOptions = {},
): CheckResult {
  const relevant = history.filter((op) => op.outcome !== 'fail' || model.keepsFailed?.(op) === true);
  // A read with an unknown result constrains nothing: leaving it out is exact and shrinks the search.
  const useful = relevant.filter((op) => !(op.outcome === 'info' && isPureRead(op)));
  const parts = model.partition ? model.partition(useful) : [useful];
  const results: PartResult[] = [];
  let verdict: Verdict = 'linearizable';
  for (const part of parts) {
    const result = checkPart(part, model, options);
    results.push(result);
    if (result.verdict === 'not-linearizable') verdict = 'not-linearizable';
    else if (result.verdict === 'unknown' && verdict === 'linearizable') verdict = 'unknown';
  }
  return { verdict, model: model.name, operations: history.length, parts: results };
}

function isPureRead(op: Operation): boolean {
  return op.f === 'read' || op.f === 'get';
}

/** Builds the time-ordered entry list: calls before returns at equal times (they overlap). */
function buildEntries(ops: readonly Operation[]): { head: Entry; required: number } {
  const events: { time: number; isCall: boolean; entry: Entry }[] = [];
  let required = 0;
  for (const op of ops) {
    const call: Entry = { op, isCall: true, match: undefined, prev: undefined, next: undefined };
    events.push({ time: op.call, isCall: true, entry: call });
    const optional = op.outcome === 'info' || !Number.isFinite(op.ret);
    if (!optional) {
      const ret: Entry = { op, isCall: false, match: undefined, prev: undefined, next: undefined };
      call.match = ret;
      events.push({ time: op.ret, isCall: false, entry: ret });
      required++;
    }
  }
  events.sort(
    (a, b) => a.time - b.time || (a.isCall === b.isCall ? a.entry.op.id - b.entry.op.id : a.isCall ? -1 : 1),
  );
  const head: Entry = {
    op: undefined as unknown as Operation,
    isCall: false,
    match: undefined,
    prev: undefined,
    next: undefined,
  };
  let last = head;
  for (const { entry } of events) {
    entry.prev = last;
    last.next = entry;
    last = entry;
  }
  return { head, required };
}

/** Removes a call entry and its return entry from the list (they are linearized). */
function lift(entry: Entry): void {
  (entry.prev as Entry).next = entry.next;
  if (entry.next) entry.next.prev = entry.prev;
  const match = entry.match;
  if (match) {
    (match.prev as Entry).next = match.next;
    if (match.next) match.next.prev = match.prev;
  }
}

/** Puts them back, in reverse order of removal. */
function unlift(entry: Entry): void {
  const match = entry.match;
  if (match) {
    (match.prev as Entry).next = match;
    if (match.next) match.next.prev = match;
  }
  (entry.prev as Entry).next = entry;
  if (entry.next) entry.next.prev = entry;
}

/** A fixed pseudo-random 32-bit word per index (splitmix32's finalizer): the Zobrist table, computed. */
function zobrist(index: number): number {
  let z = Math.imul(index + 1, 0x9e3779b9);
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}

function equalBits(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkPart<S>(ops: readonly Operation[], model: Model<S>, options: CheckOptions): PartResult {
  const maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
  const { head, required } = buildEntries(ops);
  const indexOf = new Map<number, number>(ops.map((op, i) => [op.id, i]));
  const words = Math.ceil(ops.length / 32) || 1;
  const linearized = new Uint32Array(words);
  // Explored configurations: (set of linearized operations, model state). The set is a bitset with an
  // incremental 64-bit Zobrist hash (updated on each flip, O(1)); the memo is keyed by that hash and the
  // state, and keeps a copy of each bitset, compared only when the hash and state match — exact, and a
  // step costs O(1) plus one copy instead of printing the whole bitset.
  const seen = new Map<string, Uint32Array | Uint32Array[]>();
  let explored = 0;
  let hashLo = 0;
  let hashHi = 0;
  const stack: { entry: Entry; state: S }[] = [];
  let state = model.init();
  let remaining = required;
  let entry = head.next;
  let steps = 0;
  let longest: number[] = [];
  let longestState = model.describe(state);
  let stuck: number | undefined;

  const flip = (op: Operation) => {
    const i = indexOf.get(op.id) as number;
    linearized[i >>> 5] = (linearized[i >>> 5] as number) ^ (1 << (i & 31));
    hashLo ^= zobrist(2 * i);
    hashHi ^= zobrist(2 * i + 1);
  };

  /** Records the configuration: 'seen' when it was already explored, 'full' past the budget. */
  const remember = (stateKey: string): 'new' | 'seen' | 'full' => {
    const key = `${hashLo}:${hashHi}|${stateKey}`;
    const found = seen.get(key);
    if (found instanceof Uint32Array && equalBits(found, linearized)) return 'seen';
    if (Array.isArray(found) && found.some((bits) => equalBits(bits, linearized))) return 'seen';
    if (explored >= maxStates) return 'full';
    if (found === undefined) seen.set(key, linearized.slice());
    else if (found instanceof Uint32Array) seen.set(key, [found, linearized.slice()]);
    else found.push(linearized.slice());
    explored++;
    return 'new';
  };

  /**
   * At a dead end, keeps the deepest partial linearization seen so far. Every deepest point of the
   * search ends at a dead end (it cannot go deeper), so this finds the same one as recording at each
   * step, without copying the stack on every push.
   */
  const recordLongest = () => {
    if (stack.length > longest.length) {
      longest = stack.map((s) => s.entry.op.id);
      longestState = model.describe(state);
    }
  };

  /** Undoes the last linearized operation and returns the entry to try after it. */
  const backtrack = (): Entry | undefined => {
    const top = stack.pop() as { entry: Entry; state: S };
    state = top.state;
    flip(top.entry.op);
    if (top.entry.match) remaining++;
    unlift(top.entry);
    return top.entry.next;
  };

  while (remaining > 0) {
    if (++steps % 4096 === 0 && options.deadlineReached?.()) {
      return {
        verdict: 'unknown',
        operations: ops.length,
        states: explored,
        reason: 'time budget exhausted',
      };
    }
    if (entry === undefined) {
      // Only optional operations were left to try and none helped: backtrack.
      recordLongest();
      if (stack.length === 0) break;
      entry = backtrack();
      continue;
    }
    if (entry.isCall) {
      const next = model.step(state, entry.op);
      if (next !== undefined) {
        flip(entry.op);
        const memo = remember(model.key(next));
        if (memo === 'full') {
          return {
            verdict: 'unknown',
            operations: ops.length,
            states: explored,
            reason: `more than ${maxStates} configurations`,
          };
        }
        if (memo === 'new') {
          stack.push({ entry, state });
          state = next;
          if (entry.match) remaining--;
          lift(entry);
          entry = head.next;
          continue;
        }
        flip(entry.op);
      }
      entry = entry.next;
    } else {
      // A completion reached before its operation was linearized: this branch is dead.
      recordLongest();
      if (stack.length === longest.length || stuck === undefined) stuck = entry.op.id;
      if (stack.length === 0) break;
      entry = backtrack();
    }
  }
  if (remaining === 0) return { verdict: 'linearizable', operations: ops.length, states: explored };
  return {
    verdict: 'not-linearizable',
    operations: ops.length,
    states: explored,
    longestLinearization: longest,
    ...(stuck !== undefined ? { stuckOperation: stuck } : {}),
    stateAfterLongest: longestState,
  };
}

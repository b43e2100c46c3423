/**
 * Linearizability checking by just-in-time linearization (Wing & Gong 1993, with Lowe's 2017
 * memoization): walk the history in time order, try to linearize each pending operation whose
 * invocation has been reached, and backtrack when a completion is reached before its operation was
 * linearized. Explored configurations — (set of linearized operations, model state) — are remembered
 * and not explored again. Failed operations took no effect and are dropped, unless the model says a
 * failure still observed something (a failed cas saw another value); a part of a partitioned history
 * (P-compositionality, Horn & Kroening 2015) is checked on its own.
 *
 * Operations whose outcome is unknown (info) never return: the search may linearize one at any point
 * after its invocation, and never has to. Left to the plain search they multiply it — every subset of
 * the open ones is a different configuration — so they are steered (docs/decisions/0014-checker-search.md):
 * - required operations are tried before optional ones at every step;
 * - a configuration is skipped when one with the same required operations and state, and a subset of
 *   its optional ones, was explored (it can do everything this one can: dominance);
 * - of two optional operations that are the same request (same f, input, output), the one invoked
 *   first is linearized first (symmetry: swapping them changes nothing).
 * The memo is a hash table over typed arrays keyed by an incremental Zobrist hash of the required set
 * and an interned state id; a step allocates nothing but the model's own state.
 */
import type { History, Operation } from './history';
import type { Model } from './model';

export type Verdict = 'linearizable' | 'not-linearizable' | 'unknown';

export interface CheckOptions {
  /** Give up with `unknown` after exploring this many distinct configurations (per part). */
  readonly maxStates?: number;
  /** Returns true when time is up; checked every few thousand steps (the caller owns the clock). */
  readonly deadlineReached?: () => boolean;
  /**
   * The order the search tries operations in (the verdict is the same; the time is not): 'adaptive'
   * (default) runs 'enable-first' within a small budget, then 'required-first'. For tests and benchmarks.
   */
  readonly order?: 'adaptive' | 'enable-first' | 'required-first';
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

const DEFAULT_MAX_STATES = 2_000_000;

export function checkLinearizable<S>(
  history: History,
  model: Model<S>,
  options: CheckOptions = {},
): CheckResult {
  const parts = partsToCheck(history, model);
  return combinePartResults(
    model.name,
    history.length,
    parts.map((part) => checkPart(part, model, options)),
  );
}

/**
 * The independent parts of a history, as the checker checks them: failed operations that observed
 * nothing and info reads dropped, then split by the model (per key for kv). Each part can be checked
 * with {@link checkPart} anywhere — in another worker — and the results put together with
 * {@link combinePartResults} in the same order.
 */
export function partsToCheck<S>(history: History, model: Model<S>): Operation[][] {
  const useful = history.filter(
    (op) =>
      (op.outcome !== 'fail' || model.keepsFailed?.(op) === true) &&
      // A read with an unknown result constrains nothing: leaving it out is exact and shrinks the search.
      !(op.outcome === 'info' && isPureRead(op)),
  );
  return model.partition ? model.partition(useful) : [useful];
}

/** The verdict of a history from the verdicts of its parts (in {@link partsToCheck}'s order). */
export function combinePartResults(
  model: string,
  operations: number,
  parts: readonly PartResult[],
): CheckResult {
  let verdict: Verdict = 'linearizable';
  for (const part of parts) {
    if (part.verdict === 'not-linearizable') verdict = 'not-linearizable';
    else if (part.verdict === 'unknown' && verdict === 'linearizable') verdict = 'unknown';
  }
  return { verdict, model, operations, parts };
}

function isPureRead(op: Operation): boolean {
  return op.f === 'read' || op.f === 'get';
}

/** A fixed pseudo-random 32-bit word per index (splitmix32's finalizer): Zobrist keys, computed. */
function mix32(x: number): number {
  let z = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}

const END = -1;
const CACHED_STATES = 64;
const WALK = 0;
const ENABLE = 1;
const BLOCKED = 2;

/**
 * Checks one part (see {@link partsToCheck}). Two orders of the same complete search: first one that
 * places an optional operation as soon as the earliest pending call needs it — quick when the history
 * is linearizable — within a small budget; past it, from scratch, one that tries every required
 * operation before any optional one, which lets the memo's dominance prune most when the whole space
 * has to be exhausted (a violation). Either finds the same verdict.
 */
export function checkPart<S>(
  ops: readonly Operation[],
  model: Model<S>,
  options: CheckOptions = {},
): PartResult {
  const maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
  const order = options.order ?? 'adaptive';
  if (order !== 'adaptive')
    return search(ops, model, options, order === 'enable-first', maxStates) as PartResult;
  const quick = 2 * ops.length + 500;
  if (quick < maxStates) {
    const first = search(ops, model, options, true, quick);
    if (first !== undefined) return first;
    const second = search(ops, model, options, false, maxStates) as PartResult;
    return { ...second, states: second.states + quick };
  }
  return search(ops, model, options, false, maxStates) as PartResult;
}

/**
 * The search. Required operations (ok, and failures that observed something) sit in a time-ordered
 * list of call and return entries; optional ones (info) in call order. With `enableFirst`, an optional
 * operation that makes the first pending call possible is tried before the calls after it. Undefined
 * when `limit` configurations were explored and it is below the caller's budget (try the other order).
 */
function search<S>(
  ops: readonly Operation[],
  model: Model<S>,
  options: CheckOptions,
  enableFirst: boolean,
  limit: number,
): PartResult | undefined {
  const maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
  const req: Operation[] = [];
  const opt: Operation[] = [];
  for (const op of ops) (op.outcome === 'info' || !Number.isFinite(op.ret) ? opt : req).push(op);
  const R = req.length;
  const P = opt.length;

  // The list of required entries: call of req[r] is 2r, its return 2r+1; HEAD is 2R. Sorted by time,
  // calls before returns at equal times (they overlap), then by operation id.
  const HEAD = 2 * R;
  const time = (e: number) => {
    const op = req[e >> 1] as Operation;
    return e & 1 ? op.ret : op.call;
  };
  const order = Array.from({ length: 2 * R }, (_, e) => e).sort(
    (a, b) =>
      time(a) - time(b) || (a & 1) - (b & 1) || (req[a >> 1] as Operation).id - (req[b >> 1] as Operation).id,
  );
  const next = new Int32Array(2 * R + 1);
  const prev = new Int32Array(2 * R + 1);
  const entryTime = new Float64Array(2 * R);
  for (let e = 0; e < 2 * R; e++) entryTime[e] = time(e);
  let last = HEAD;
  for (const e of order) {
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  next[last] = END;

  // Optional operations in call order; sameBefore[j]: the previous one that is the same request.
  opt.sort((a, b) => a.call - b.call || a.id - b.id);
  const optCall = Float64Array.from(opt, (op) => op.call);
  const sameBefore = new Int32Array(P).fill(-1);
  {
    const lastOfKind = new Map<string, number>();
    opt.forEach((op, j) => {
      const kind = `${op.f}\u0000${JSON.stringify(op.input) ?? ''}\u0000${JSON.stringify(op.output) ?? ''}\u0000${op.outcome}`;
      const before = lastOfKind.get(kind);
      if (before !== undefined) sameBefore[j] = before;
      lastOfKind.set(kind, j);
    });
  }

  // Linearized sets and the Zobrist hash of the required one.
  const RW = (R + 31) >>> 5 || 1;
  const PW = (P + 31) >>> 5 || 1;
  const reqBits = new Uint32Array(RW);
  const optBits = new Uint32Array(PW);
  const zobrist = Int32Array.from({ length: R }, (_, r) => mix32(Math.imul(r + 1, 0x9e3779b9)));
  let reqHash = 0;

  const states = new States(model, R + P);
  const stateOf = states.stateOf;
  const memo = new Memo(RW, PW, limit, new Int32Array(reqBits.buffer), new Int32Array(optBits.buffer));
  // The path: linearized operations (r ≥ 0 required, ~j optional), the state before each, and for
  // optional ones where the search was when it chose them (the entry, and the mode: ENABLE or BLOCKED).
  const pathOp = new Int32Array(R + P);
  const pathSid = new Int32Array(R + P);
  const pathEntry = new Int32Array(R + P);
  const pathMode = new Uint8Array(R + P);
  let depth = 0;
  let sid = states.id(model.init());
  memo.remember(reqHash, sid);
  let remaining = R;
  let steps = 0;
  let longest: number[] = [];
  let longestState = model.describe(stateOf[sid] as S);
  let stuck: number | undefined;

  // Where the search is: walking the required entries (cursor), trying the optional operations that
  // would let the required operation at cursor be placed (ENABLE), or, stopped at the return entry
  // cursor, trying every optional operation invoked before it (BLOCKED). j: the next optional one.
  let mode = WALK;
  let cursor = next[HEAD] as number;
  let j = 0;

  const unknown = (reason: string): PartResult => ({
    verdict: 'unknown',
    operations: ops.length,
    states: memo.explored,
    reason,
  });
  const full = () => (limit < maxStates ? undefined : unknown(`more than ${maxStates} configurations`));

  while (remaining > 0) {
    if ((++steps & 4095) === 0 && options.deadlineReached?.()) return unknown('time budget exhausted');
    if (mode === WALK) {
      if (cursor === END) break; // cannot happen while required operations remain
      if ((cursor & 1) === 0) {
        const r = cursor >> 1;
        const afterId = states.apply(r, req[r] as Operation, sid);
        if (afterId === -1) {
          // Not possible in this state: first try the optional operations that would make it possible.
          if (enableFirst && P > 0 && cursor === next[HEAD]) {
            mode = ENABLE;
            j = 0;
          } else cursor = next[cursor] as number;
          continue;
        }
        reqBits[r >>> 5] = (reqBits[r >>> 5] as number) ^ (1 << (r & 31));
        reqHash ^= zobrist[r] as number;
        const seen = memo.remember(reqHash, afterId);
        if (seen === FULL) return full();
        if (seen === NEW) {
          pathOp[depth] = r;
          pathSid[depth] = sid;
          depth++;
          sid = afterId;
          remaining--;
          unlink(next, prev, cursor);
          unlink(next, prev, cursor + 1);
          cursor = next[HEAD] as number;
          continue;
        }
        reqBits[r >>> 5] = (reqBits[r >>> 5] as number) ^ (1 << (r & 31));
        reqHash ^= zobrist[r] as number;
        cursor = next[cursor] as number;
        continue;
      }
      // The first return of an operation not yet linearized: only optional operations invoked before
      // it can still help here.
      mode = BLOCKED;
      j = 0;
    }
    // ENABLE: optional operations invoked before the required call at cursor, after which it is
    // possible. BLOCKED: every optional operation invoked before the return entry at cursor.
    const bound = entryTime[cursor] as number;
    let advanced = false;
    for (; j < P && (optCall[j] as number) <= bound; j++) {
      if ((optBits[j >>> 5] as number) & (1 << (j & 31))) continue;
      const same = sameBefore[j] as number;
      if (same >= 0 && ((optBits[same >>> 5] as number) & (1 << (same & 31))) === 0) continue;
      const afterId = states.apply(R + j, opt[j] as Operation, sid);
      // Impossible here, or changes nothing (the configuration without it covers this one).
      if (afterId === -1 || afterId === sid) continue;
      if (mode === ENABLE && states.apply(cursor >> 1, req[cursor >> 1] as Operation, afterId) === -1)
        continue;
      optBits[j >>> 5] = (optBits[j >>> 5] as number) ^ (1 << (j & 31));
      const seen = memo.remember(reqHash, afterId);
      if (seen === FULL) return full();
      if (seen === NEW) {
        pathOp[depth] = ~j;
        pathSid[depth] = sid;
        pathEntry[depth] = cursor;
        pathMode[depth] = mode;
        depth++;
        sid = afterId;
        mode = WALK;
        cursor = next[HEAD] as number;
        advanced = true;
        break;
      }
      optBits[j >>> 5] = (optBits[j >>> 5] as number) ^ (1 << (j & 31));
    }
    if (advanced) continue;
    if (mode === ENABLE) {
      mode = WALK;
      cursor = next[cursor] as number;
      continue;
    }
    // Dead end: a completion reached before its operation was linearized, and nothing optional helps.
    if (depth > longest.length) {
      longest = Array.from(pathOp.subarray(0, depth), (o) => ((o >= 0 ? req[o] : opt[~o]) as Operation).id);
      longestState = model.describe(stateOf[sid] as S);
    }
    if (depth === longest.length || stuck === undefined) stuck = (req[cursor >> 1] as Operation).id;
    if (depth === 0) break;
    // Backtrack: undo the last linearized operation and try what comes after it.
    depth--;
    const o = pathOp[depth] as number;
    sid = pathSid[depth] as number;
    if (o >= 0) {
      reqBits[o >>> 5] = (reqBits[o >>> 5] as number) ^ (1 << (o & 31));
      reqHash ^= zobrist[o] as number;
      remaining++;
      relink(next, prev, 2 * o + 1);
      relink(next, prev, 2 * o);
      mode = WALK;
      cursor = next[2 * o] as number;
    } else {
      const k = ~o;
      optBits[k >>> 5] = (optBits[k >>> 5] as number) ^ (1 << (k & 31));
      mode = pathMode[depth] as number;
      cursor = pathEntry[depth] as number;
      j = k + 1;
    }
  }
  if (remaining === 0) return { verdict: 'linearizable', operations: ops.length, states: memo.explored };
  return {
    verdict: 'not-linearizable',
    operations: ops.length,
    states: memo.explored,
    longestLinearization: longest,
    ...(stuck !== undefined ? { stuckOperation: stuck } : {}),
    stateAfterLongest: longestState,
  };
}

/** Removes entry e from the doubly linked list (next, prev); END ends it. */
function unlink(next: Int32Array, prev: Int32Array, e: number): void {
  const p = prev[e] as number;
  const n = next[e] as number;
  next[p] = n;
  if (n !== END) prev[n] = p;
}

/** Puts entry e back where it was (entries come back in reverse order of removal). */
function relink(next: Int32Array, prev: Int32Array, e: number): void {
  const p = prev[e] as number;
  const n = next[e] as number;
  next[p] = e;
  if (n !== END) prev[n] = e;
}

/**
 * Model states, interned: equal keys get one small id (stateOf: one state per id); and transitions,
 * cached: a model's step is a function of the state and the operation, so each (operation, state id)
 * pair is computed once — for the first CACHED_STATES states (registers have a handful; a queue's
 * states are many and each is met rarely). Cache entries: 0 unknown, 1 impossible, id + 2.
 * (Classes rather than closures: their methods stay the same functions from one search to the next,
 * so the compiled search is not thrown away at each history.)
 */
class States<S> {
  readonly stateOf: S[] = [];
  private readonly idOfValue = new Map<unknown, number>();
  private readonly idOfKey = new Map<string, number>();
  private readonly transitions: (Int32Array | undefined)[];

  constructor(
    private readonly model: Model<S>,
    operations: number,
  ) {
    this.transitions = new Array<Int32Array | undefined>(operations);
  }

  id(s: S): number {
    let id = this.idOfValue.get(s);
    if (id !== undefined) return id;
    const key = this.model.key(s);
    id = this.idOfKey.get(key);
    if (id === undefined) {
      id = this.stateOf.length;
      this.idOfKey.set(key, id);
      this.stateOf.push(s);
    }
    this.idOfValue.set(s, id);
    return id;
  }

  /** The id of the state after operation k (required r is k = r, optional j is R + j) from state `from`, or -1. */
  apply(k: number, op: Operation, from: number): number {
    if (from >= CACHED_STATES) {
      const after = this.model.step(this.stateOf[from] as S, op);
      return after === undefined ? -1 : this.id(after);
    }
    let row = this.transitions[k];
    if (row === undefined) this.transitions[k] = row = new Int32Array(CACHED_STATES);
    const known = row[from] as number;
    if (known !== 0) return known - 2;
    const after = this.model.step(this.stateOf[from] as S, op);
    const id = after === undefined ? -1 : this.id(after);
    row[from] = id + 2;
    return id;
  }
}

const NEW = 0;
const SEEN = 1;
const FULL = 2;

/**
 * The memo: groups of configurations with the same required set and state, found through a
 * power-of-two bucket table over the Zobrist hash of the required set and the state id; each group keeps
 * the optional sets explored with them as an antichain (a set that includes an explored one is
 * dominated and never stored). reqView and optView are the search's live bitsets.
 */
class Memo {
  explored = 0;
  private groups = 0;
  private groupHash = new Int32Array(256);
  private groupSid = new Int32Array(256);
  private groupNext = new Int32Array(256);
  private groupReq: Int32Array;
  private readonly groupSets: Int32Array[] = [];
  private readonly groupSize: number[] = [];
  private buckets = new Int32Array(256).fill(-1);
  private mask = 255;

  constructor(
    private readonly RW: number,
    private readonly PW: number,
    private readonly limit: number,
    private readonly reqView: Int32Array,
    private readonly optView: Int32Array,
  ) {
    this.groupReq = new Int32Array(256 * RW);
  }

  /** SEEN when this configuration, or one that dominates it, was explored; FULL past the limit. */
  remember(reqHash: number, sid: number): number {
    const { RW, PW, reqView, optView } = this;
    const hash = mix32(reqHash + Math.imul(sid + 1, 0x27d4eb2f));
    let g = this.buckets[hash & this.mask] as number;
    for (; g !== -1; g = this.groupNext[g] as number) {
      if (this.groupHash[g] !== hash || this.groupSid[g] !== sid) continue;
      let same = true;
      for (let w = 0, at = g * RW; w < RW; w++)
        if (this.groupReq[at + w] !== reqView[w]) {
          same = false;
          break;
        }
      if (same) break;
    }
    if (g === -1) {
      if (this.explored >= this.limit) return FULL;
      g = this.newGroup(hash, sid);
    } else {
      // Is an explored optional set a subset of this one? Drop the explored supersets of this one (the
      // last set takes the place of a dropped one).
      let sets = this.groupSets[g] as Int32Array;
      let size = this.groupSize[g] as number;
      for (let i = 0; i < size;) {
        const at = i * PW;
        let sub = true;
        let sup = true;
        for (let w = 0; w < PW; w++) {
          const a = sets[at + w] as number;
          const o = optView[w] as number;
          if ((a & ~o) !== 0) sub = false;
          if ((o & ~a) !== 0) sup = false;
        }
        if (sub) {
          this.groupSize[g] = size;
          return SEEN;
        }
        if (sup) {
          size--;
          sets.copyWithin(at, size * PW, size * PW + PW);
        } else i++;
      }
      if (this.explored >= this.limit) return FULL;
      if ((size + 1) * PW > sets.length) {
        const bigger = new Int32Array(sets.length * 2);
        bigger.set(sets);
        this.groupSets[g] = sets = bigger;
      }
      this.groupSize[g] = size;
    }
    const sets = this.groupSets[g] as Int32Array;
    const size = this.groupSize[g] as number;
    sets.set(optView, size * PW);
    this.groupSize[g] = size + 1;
    this.explored++;
    return NEW;
  }

  private newGroup(hash: number, sid: number): number {
    const RW = this.RW;
    if (this.groups === this.groupHash.length) {
      const n = this.groups * 2;
      this.groupHash = widen(this.groupHash, n);
      this.groupSid = widen(this.groupSid, n);
      this.groupNext = widen(this.groupNext, n);
      this.groupReq = widen(this.groupReq, n * RW);
      this.buckets = new Int32Array(n * 2).fill(-1);
      this.mask = this.buckets.length - 1;
      for (let g = 0; g < this.groups; g++) {
        const b = (this.groupHash[g] as number) & this.mask;
        this.groupNext[g] = this.buckets[b] as number;
        this.buckets[b] = g;
      }
    }
    const g = this.groups++;
    const b = hash & this.mask;
    this.groupHash[g] = hash;
    this.groupSid[g] = sid;
    this.groupNext[g] = this.buckets[b] as number;
    this.buckets[b] = g;
    this.groupReq.set(this.reqView, g * RW);
    this.groupSets.push(new Int32Array(this.PW * 4));
    this.groupSize.push(0);
    return g;
  }
}

function widen(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

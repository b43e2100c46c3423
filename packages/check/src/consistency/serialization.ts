/**
 * Is there one order of the given sessions' operations that keeps each session's program order and in
 * which every read returns the latest write before it? That is sequential consistency (Lamport 1979)
 * when the sessions are the whole history, and PRAM for one session when the others contribute only
 * their writes (Lipton & Sandberg 1988). Deciding it is NP-complete in general (Gibbons & Korach 1997):
 * a depth-first search over (position in each session, value of each key), iterative so no history is
 * too long for the stack, with explored states remembered and a budget past which the answer is unknown.
 * A write of unknown outcome may be placed or skipped. A write that overwrites the value some read not
 * yet placed needs is never tried (writes are differentiated: that value cannot come back). The parts of one read (a snapshot of several keys)
 * are placed together, at one point. With `realTime`, an operation may come next only when every
 * operation not yet placed did not return before it was invoked: linearizability (Herlihy & Wing 1990)
 * for histories the per-key checker cannot split, such as snapshot reads of several keys.
 */
import type { RegisterHistory, RegisterOp } from './register-history';

export interface SerializationResult {
  readonly verdict: 'yes' | 'no' | 'unknown';
  /** The order found (indices into the history's ops), when yes. */
  readonly order?: readonly number[];
  /** The most operations any order could place, and each session's next operation then (the counterexample). */
  readonly longest: readonly number[];
  readonly stuck: readonly number[];
  readonly states: number;
}

export const DEFAULT_MAX_STATES = 200_000;

export interface SerializationOptions {
  /** Keep real-time order too: an operation that returned before another was invoked comes first. */
  readonly realTime?: boolean;
}

interface Codes {
  /** Each op's key and value as small numbers (0 is the initial null). */
  readonly coded: readonly (readonly [number, number])[];
  /** (key, value) as one number: key × stride + value. */
  readonly pairOf: readonly number[];
  readonly stride: number;
  readonly keyCount: number;
}

/** Interned once per history: the consistent-prefix witness searches the same history many times. */
const codesCache = new WeakMap<RegisterHistory, Codes>();

function codesOf(history: RegisterHistory): Codes {
  const cached = codesCache.get(history);
  if (cached) return cached;
  const keyIds = new Map<string, number>();
  const valueIds = new Map<string, number>();
  const coded = history.ops.map((op): [number, number] => {
    let k = keyIds.get(op.key);
    if (k === undefined) keyIds.set(op.key, (k = keyIds.size));
    if (op.value === null) return [k, 0];
    const id = `${op.key}\u0000${JSON.stringify(op.value)}`;
    let v = valueIds.get(id);
    if (v === undefined) valueIds.set(id, (v = valueIds.size + 1));
    return [k, v];
  });
  const stride = valueIds.size + 1;
  const codes = { coded, pairOf: coded.map(([k, v]) => k * stride + v), stride, keyCount: keyIds.size };
  codesCache.set(history, codes);
  return codes;
}

/** The operations placed so far, newest first, shared between frames. */
interface Placed {
  readonly index: number;
  readonly count: number;
  readonly previous: Placed | undefined;
}

function unwind(placed: Placed | undefined): number[] {
  const out: number[] = [];
  for (let p = placed; p !== undefined; p = p.previous) out.push(p.index);
  return out.reverse();
}

interface Frame {
  readonly positions: Int32Array;
  readonly values: Int32Array;
  readonly placed: Placed | undefined;
  /** The order sessions are tried in from this frame (see `tryOrder`). */
  readonly tryOrder: Int32Array;
  /** Next (session, choice) to try: `session` indexes `tryOrder`; choice 0 places the op, 1 skips an optional write. */
  session: number;
  choice: number;
}

/**
 * Searches an order of `sessions` (each a list of op indices in program order). Values are interned
 * per key; reads must match the key's current value (0 is the initial null).
 */
export function findSerialization(
  history: RegisterHistory,
  sessions: readonly (readonly number[])[],
  maxStates = DEFAULT_MAX_STATES,
  options: SerializationOptions = {},
): SerializationResult {
  const { ops } = history;
  const { coded, pairOf, stride, keyCount } = codesOf(history);
  let total = 0;
  for (const session of sessions) total += session.length;
  // Where each operation sits (session, position), and the reads waiting for each (key, value): a read
  // whose value a placed write has overwritten can never be placed, so that branch is dead at once.
  const sessionOf = new Int32Array(ops.length).fill(-1);
  const positionOf = new Int32Array(ops.length);
  const readersOf = new Map<number, number[]>();
  sessions.forEach((list, s) =>
    list.forEach((index, position) => {
      sessionOf[index] = s;
      positionOf[index] = position;
      if ((ops[index] as RegisterOp).kind !== 'read') return;
      const id = pairOf[index] as number;
      let readers = readersOf.get(id);
      if (!readers) readersOf.set(id, (readers = []));
      readers.push(index);
    }),
  );
  /** Whether a read still unplaced needs `value` of key `k`, which the write just placed replaced. */
  const strandsRead = (positions: Int32Array, k: number, value: number): boolean => {
    for (const read of readersOf.get(k * stride + value) ?? [])
      if ((positions[sessionOf[read] as number] as number) <= (positionOf[read] as number)) return true;
    return false;
  };
  const seen = new Set<string>();
  /**
   * Real time: the operation at `index` may come next only if no operation left unplaced returned
   * before it was invoked. Each session's next operation returns first among its unplaced ones.
   */
  const realTimeAllows = (positions: Int32Array, index: number): boolean => {
    if (!options.realTime) return true;
    const call = (ops[index] as RegisterOp).call;
    for (let s = 0; s < sessions.length; s++) {
      const next = (sessions[s] as readonly number[])[positions[s] as number];
      if (next !== undefined && next !== index && (ops[next] as RegisterOp).ret < call) return false;
    }
    return true;
  };
  // For each part of a read group: how many parts follow it in the group, itself included. A group's
  // parts are consecutive both in `ops` and in the session that holds them.
  const partsLeft = new Int32Array(ops.length).fill(1);
  for (let i = ops.length - 2; i >= 0; i--) {
    const group = (ops[i] as RegisterOp).group;
    if (group !== undefined && (ops[i + 1] as RegisterOp).group === group)
      partsLeft[i] = (partsLeft[i + 1] as number) + 1;
  }
  /** How many operations from `position` on form the read placed with it (1, or a group's parts). */
  const readSpan = (session: readonly number[], position: number): number =>
    partsLeft[session[position] as number] as number;
  /**
   * Places every read that can go next, for as long as one can (mutating `positions`). A read changes
   * nothing, so if any order completes from here, one completes with the enabled read placed first:
   * reads never need branching, only writes do. A group is enabled when all its parts are.
   */
  const placeReads = (
    positions: Int32Array,
    values: Int32Array,
    placed: Placed | undefined,
  ): Placed | undefined => {
    let progress = true;
    while (progress) {
      progress = false;
      for (let s = 0; s < sessions.length; s++) {
        const session = sessions[s] as readonly number[];
        for (;;) {
          const position = positions[s] as number;
          const index = session[position];
          if (index === undefined || (ops[index] as RegisterOp).kind !== 'read') break;
          const span = readSpan(session, position);
          let enabled = true;
          for (let p = 0; p < span && enabled; p++) {
            const [k, v] = coded[session[position + p] as number] as [number, number];
            if (values[k] !== v) enabled = false;
          }
          if (!enabled || !realTimeAllows(positions, index)) break;
          for (let p = 0; p < span; p++)
            placed = {
              index: session[position + p] as number,
              count: (placed?.count ?? 0) + 1,
              previous: placed,
            };
          positions[s] = position + span;
          progress = true;
        }
      }
    }
    return placed;
  };
  /**
   * Sessions whose next write some blocked read is waiting for come first: the order found is the same,
   * the search reaches it sooner.
   */
  const tryOrder = (positions: Int32Array): Int32Array => {
    const wanted = new Set<number>();
    for (let s = 0; s < sessions.length; s++) {
      const index = (sessions[s] as readonly number[])[positions[s] as number];
      if (index === undefined || (ops[index] as RegisterOp).kind !== 'read') continue;
      const session = sessions[s] as readonly number[];
      const span = readSpan(session, positions[s] as number);
      for (let p = 0; p < span; p++)
        wanted.add(pairOf[session[(positions[s] as number) + p] as number] as number);
    }
    const first: number[] = [];
    const rest: number[] = [];
    for (let s = 0; s < sessions.length; s++) {
      const index = (sessions[s] as readonly number[])[positions[s] as number];
      const write = index !== undefined && (ops[index] as RegisterOp).kind === 'write';
      (write && wanted.has(pairOf[index] as number) ? first : rest).push(s);
    }
    return Int32Array.from(first.concat(rest));
  };
  const startPositions = new Int32Array(sessions.length);
  const startValues = new Int32Array(keyCount);
  const stack: Frame[] = [
    {
      positions: startPositions,
      values: startValues,
      placed: placeReads(startPositions, startValues, undefined),
      tryOrder: tryOrder(startPositions),
      session: 0,
      choice: 0,
    },
  ];
  let longest: Placed | undefined;
  let stuckAtLongest: Int32Array = new Int32Array(sessions.length);
  let states = 0;
  const count = (p: Placed | undefined) => p?.count ?? 0;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    if (count(frame.placed) === total) {
      const order = unwind(frame.placed);
      return { verdict: 'yes', order, longest: order, stuck: [], states };
    }
    if (count(frame.placed) >= count(longest)) {
      longest = frame.placed;
      stuckAtLongest = frame.positions;
    }
    let moved = false;
    while (frame.session < sessions.length && !moved) {
      const s = frame.tryOrder[frame.session] as number;
      const choice = frame.choice;
      const position = frame.positions[s] as number;
      const index = (sessions[s] as readonly number[])[position];
      // Choice 0 places the session's next operation; choice 1 skips it (only an optional write).
      if (choice === 0) frame.choice = 1;
      else {
        frame.session++;
        frame.choice = 0;
      }
      if (index === undefined) continue;
      const op = ops[index] as RegisterOp;
      const [k, v] = coded[index] as [number, number];
      if (choice === 1 && !(op.kind === 'write' && op.optional)) continue;
      // Enabled reads were all placed when this frame was made; a read left next is not enabled.
      if (choice === 0 && op.kind === 'read') continue;
      if (choice === 0 && !realTimeAllows(frame.positions, index)) continue;
      const positions = frame.positions.slice();
      positions[s] = position + 1;
      let values = frame.values;
      if (choice === 0 && op.kind === 'write') {
        if (strandsRead(positions, k, values[k] as number)) continue;
        values = values.slice();
        values[k] = v;
      }
      const placed = placeReads(positions, values, {
        index,
        count: count(frame.placed) + 1,
        previous: frame.placed,
      });
      const key = `${positions.join(',')}|${values.join(',')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (++states > maxStates)
        return {
          verdict: 'unknown',
          longest: unwind(longest),
          stuck: stuckOf(sessions, stuckAtLongest),
          states,
        };
      stack.push({
        positions,
        values,
        placed,
        tryOrder: tryOrder(positions),
        session: 0,
        choice: 0,
      });
      moved = true;
    }
    if (!moved) stack.pop();
  }
  return { verdict: 'no', longest: unwind(longest), stuck: stuckOf(sessions, stuckAtLongest), states };
}

function stuckOf(sessions: readonly (readonly number[])[], positions: Int32Array): number[] {
  const out: number[] = [];
  sessions.forEach((s, i) => {
    const next = s[positions[i] as number];
    if (next !== undefined) out.push(next);
  });
  return out;
}

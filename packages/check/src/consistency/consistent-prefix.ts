/**
 * Consistent prefix (Terry, "Replicated Data Consistency Explained Through Baseball", CACM 2013; Viotti
 * & Vukolić 2016): a reader sees the state the store had after some prefix of one global sequence
 * of writes — perhaps an old one, never a mix no moment ever had, such as an answer without its
 * question. Exactly what is decided here:
 *
 *   there is one total order of the writes (a write of unknown outcome may be left out) that keeps
 *   each session's writes in the order the session issued them, such that every read returns, for each
 *   key it reads, the value of that key after some prefix of the order (the last write of the key in
 *   the prefix, or the initial value if there is none). Each read may pick its own prefix: consistent
 *   prefix alone promises nothing about a session's successive reads (that is monotonic reads).
 *
 * A session issues a write only after its previous one returned, so any store that applies writes in
 * one log keeps them in that order; that is why the order keeps it, and why sequential consistency
 * implies consistent prefix. A read of one key with one value is always the state after the prefix
 * that ends with the write it read, so only snapshot reads of several keys (and reads of writes of
 * unknown outcome, which force them into the order) constrain the order; a read of two or more
 * siblings fails at once (a prefix leaves one value per key), and so does a value nobody wrote.
 *
 * Decided by the serialization search (`serialization.ts`) over each session's writes, with every
 * constraining read as a session of its own: a read goes in as soon as the state matches it.
 */
import {
  describeRead,
  describeRegisterOp,
  partsOf,
  type RegisterHistory,
  type RegisterOp,
} from './register-history';
import { findSerialization } from './serialization';

export interface ConsistentPrefixResult {
  readonly holds: boolean | 'unknown';
  readonly counterexample?: string;
  /** History op ids of the counterexample: the reads no prefix reconciles, and the writes that show why. */
  readonly operations?: readonly number[];
  readonly note?: string;
  /** Set when no read observed several keys at once: every read of one key is some prefix, so it holds trivially. */
  readonly vacuous?: true;
}

/** Searches spent shrinking the reads no order reconciles to a small counterexample, at most. */
export const MAX_PREFIX_WITNESS_SEARCHES = 400;
/**
 * Numbers the search may remember in all (each explored state keeps one per session and one per read):
 * with thousands of snapshot reads the state budget shrinks so the memory stays near 100 MB.
 */
export const MAX_PREFIX_MEMO_NUMBERS = 20_000_000;

export function checkConsistentPrefix(history: RegisterHistory, maxStates: number): ConsistentPrefixResult {
  const { ops, sessions, readsFrom } = history;
  if (history.firstSiblingRead !== undefined) {
    const at = history.firstSiblingRead;
    return {
      holds: false,
      counterexample: `${describeRead(ops, at)} returned ${(ops[at] as RegisterOp).siblings} siblings of ${(ops[at] as RegisterOp).key}: after any prefix of one order of writes a key holds one value`,
      operations: [(ops[at] as RegisterOp).id],
    };
  }
  for (const [read, from] of readsFrom)
    if (from === 'unknown')
      return {
        holds: false,
        counterexample: `${describeRead(ops, read)}: no prefix holds ${describeRegisterOp(ops[read] as RegisterOp)}, nobody wrote it`,
        operations: [(ops[read] as RegisterOp).id],
      };
  const writes: number[][] = [];
  for (const list of sessions.values())
    writes.push(list.filter((i) => (ops[i] as RegisterOp).kind === 'write'));
  // The reads that constrain the order: snapshots of several keys, and reads of a write of unknown outcome.
  const reads: number[][] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as RegisterOp;
    if (op.kind !== 'read' || (op.group !== undefined && op.group !== i)) continue;
    const parts = partsOf(ops, i);
    const constrains =
      parts.length > 1 ||
      parts.some((p) => {
        const from = readsFrom.get(p);
        return typeof from === 'number' && (ops[from] as RegisterOp).optional;
      });
    if (constrains) reads.push(parts);
  }
  if (!history.hasGroups)
    return {
      holds: true,
      vacuous: true,
      note: 'no read observed several keys at once, and a read of one key always shows some prefix',
    };
  const search = (chosen: readonly (readonly number[])[], budget: number) =>
    findSerialization(history, writes.concat(chosen as number[][]), budget);
  const width = writes.length + reads.length + history.writesOf.size;
  const budget = Math.min(maxStates, Math.max(1_000, Math.floor(MAX_PREFIX_MEMO_NUMBERS / width)));
  const all = search(reads, budget);
  if (all.verdict === 'yes') return { holds: true };
  if (all.verdict === 'unknown')
    return {
      holds: 'unknown',
      note: `the search for one order of the writes spent its budget of ${budget} states (${reads.length} snapshot reads)`,
    };
  return witness(history, reads, search, maxStates);
}

/**
 * A small set of reads no prefix reconciles, by deletion (Zeller's delta debugging, simplified): drop
 * halves, then quarters, … then single reads, keeping each removal after which the rest still has no
 * order. What is left is usually one read (an answer without its question) or two (each shows a write
 * the other lacks); with the search budget spent it may be more, and the message names a few.
 */
function witness(
  history: RegisterHistory,
  reads: readonly (readonly number[])[],
  search: (chosen: readonly (readonly number[])[], budget: number) => { verdict: string },
  maxStates: number,
): ConsistentPrefixResult {
  const { ops } = history;
  const budget = Math.max(1_000, Math.floor(maxStates / 20));
  const id = (i: number) => (ops[i] as RegisterOp).id;
  let set = reads.slice();
  let searches = 0;
  for (let chunk = Math.ceil(set.length / 2); chunk >= 1 && searches < MAX_PREFIX_WITNESS_SEARCHES;) {
    let removed = false;
    for (let at = 0; at < set.length && set.length > 1;) {
      if (++searches > MAX_PREFIX_WITNESS_SEARCHES) break;
      const trial = set.slice(0, at).concat(set.slice(at + chunk));
      if (trial.length > 0 && search(trial, budget).verdict === 'no') {
        set = trial;
        removed = true;
      } else at += chunk;
    }
    if (chunk === 1 && !removed) break;
    chunk = chunk === 1 ? 1 : Math.ceil(chunk / 2);
    if (set.length === 1) break;
  }
  const firsts = set.map((r) => r[0] as number);
  if (firsts.length === 1) {
    const read = set[0] as readonly number[];
    const why = answerWithoutQuestion(history, read);
    return {
      holds: false,
      counterexample: why
        ? `${describeRead(ops, read[0] as number)} shows ${describeRegisterOp(ops[why.later] as RegisterOp)} but not ${describeRegisterOp(ops[why.earlier] as RegisterOp)}, which its session wrote first: no prefix of any order holds one without the other`
        : `${describeRead(ops, read[0] as number)}: no prefix of any order of the writes gives this state`,
      operations: why ? [id(read[0] as number), id(why.earlier), id(why.later)] : [id(read[0] as number)],
    };
  }
  if (firsts.length === 2)
    return {
      holds: false,
      counterexample: `${describeRead(ops, firsts[0] as number)} and ${describeRead(ops, firsts[1] as number)} cannot both be prefixes of one order of the writes: each shows a write the other does not`,
      operations: firsts.map(id),
    };
  const shown = firsts.slice(0, 3).map((i) => describeRead(ops, i));
  return {
    holds: false,
    counterexample: `these ${firsts.length} reads cannot all be prefixes of one order of the writes: ${shown.join('; ')}${firsts.length > 3 ? `; and ${firsts.length - 3} more` : ''}`,
    operations: firsts.map(id),
  };
}

/**
 * For a read no prefix can give on its own: a write `later` it shows and a write `earlier` of another
 * key it read, by the same session before `later`, that the read does not show (it shows that key's
 * initial value, or a write the same session made before `earlier`).
 */
function answerWithoutQuestion(
  history: RegisterHistory,
  read: readonly number[],
): { earlier: number; later: number } | undefined {
  const { ops, sessions, readsFrom, writesOf } = history;
  const positionOf = new Map<number, number>();
  const sessionOf = new Map<number, string>();
  for (const [name, list] of sessions)
    list.forEach((i, at) => {
      positionOf.set(i, at);
      sessionOf.set(i, name);
    });
  for (const shown of read) {
    const later = readsFrom.get(shown);
    if (typeof later !== 'number') continue;
    for (const other of read) {
      const key = (ops[other] as RegisterOp).key;
      if (key === (ops[shown] as RegisterOp).key) continue;
      const seen = readsFrom.get(other);
      for (const earlier of writesOf.get(key) ?? []) {
        if (earlier === seen || sessionOf.get(earlier) !== sessionOf.get(later)) continue;
        if ((positionOf.get(earlier) as number) > (positionOf.get(later) as number)) continue;
        const hidden =
          seen === 'initial' ||
          (typeof seen === 'number' &&
            sessionOf.get(seen) === sessionOf.get(earlier) &&
            (positionOf.get(seen) as number) < (positionOf.get(earlier) as number));
        if (hidden && !(ops[earlier] as RegisterOp).optional) return { earlier, later };
      }
    }
  }
  return undefined;
}

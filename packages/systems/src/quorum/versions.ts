/**
 * What a replica stores for a key, three ways, and how two states are reconciled:
 *
 * - `lww`: one value and the timestamp its writer stamped on it; the larger (timestamp, value) wins
 *   (Cassandra). Simple, and it silently drops the loser.
 * - `vv`: one version vector per object, one entry per server, and the values that vector covers
 *   (Dynamo 2007, Riak before 2.0). A write whose context does not cover the object's vector adds a
 *   sibling; a write whose context is older than the object cannot say which siblings it saw, so it
 *   keeps them all: the false conflict of Preguiça et al.
 * - `dvv`: dotted version vectors (Preguiça, Baquero, Almeida, Fonte, Gonçalves 2010/2012): each
 *   sibling carries the dot (server, counter) of the write that made it and the causal past that write
 *   saw. A write discards exactly the siblings its context covers; sync keeps a sibling unless another's
 *   past holds its dot.
 *
 * Every function here is pure; states are immutable and kept canonical (vectors with sorted keys,
 * siblings sorted by dot, values sorted) so equal states encode equal and hash equal.
 */
import { invariant, murmur3 } from '@dslab/sim';
import { mutantActive } from '../kit/mutants';
import type { QuorumMutant } from './messages';

export const conflictModes = ['lww', 'vv', 'dvv'] as const;
export type ConflictMode = (typeof conflictModes)[number];

/** server id → counter, keys sorted. At most one entry per server that ever coordinated a write. */
export type VersionVector = Readonly<Record<string, number>>;

export interface Dot {
  readonly node: string;
  readonly counter: number;
}

export interface DvvSibling {
  readonly dot: Dot;
  /** The causal past the write saw: its client's context. */
  readonly past: VersionVector;
  readonly value: string;
}

export type Stored =
  | { readonly kind: 'lww'; readonly value: string; readonly ts: number }
  | { readonly kind: 'vv'; readonly vv: VersionVector; readonly values: readonly string[] }
  | { readonly kind: 'dvv'; readonly siblings: readonly DvvSibling[] };

/**
 * Siblings a replica holds for one key, at most: Riak's `object.siblings.maximum` default. A write
 * that would go past it is refused (Riak's behaviour), and so is a merge, which is counted.
 */
export const MAX_SIBLINGS = 100;

const EMPTY: VersionVector = Object.freeze({});

export function emptyVector(): VersionVector {
  return EMPTY;
}

/** A vector with its keys sorted (the canonical form every state uses). */
export function vector(entries: Iterable<readonly [string, number]>): VersionVector {
  const pairs = [...entries]
    .filter(([, c]) => c > 0)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Record<string, number> = {};
  for (const [node, counter] of pairs) out[node] = counter;
  return out;
}

export function vvGet(vv: VersionVector, node: string): number {
  return vv[node] ?? 0;
}

/** Pointwise maximum. */
export function vvJoin(a: VersionVector, b: VersionVector): VersionVector {
  const out = new Map<string, number>(Object.entries(a));
  for (const [node, counter] of Object.entries(b)) out.set(node, Math.max(out.get(node) ?? 0, counter));
  return vector(out);
}

/** a ≥ b pointwise: a has seen everything b has. */
export function vvDescends(a: VersionVector, b: VersionVector): boolean {
  for (const [node, counter] of Object.entries(b)) if (vvGet(a, node) < counter) return false;
  return true;
}

export function vvEntries(vv: VersionVector): number {
  return Object.keys(vv).length;
}

const byDot = (a: DvvSibling, b: DvvSibling) =>
  a.dot.node < b.dot.node ? -1 : a.dot.node > b.dot.node ? 1 : a.dot.counter - b.dot.counter;

const dotKey = (dot: Dot) => `${dot.node}:${dot.counter}`;

/** The values a state holds: one for LWW, the siblings otherwise. */
export function valuesOf(state: Stored | undefined): string[] {
  if (!state) return [];
  switch (state.kind) {
    case 'lww':
      return [state.value];
    case 'vv':
      return [...state.values];
    case 'dvv':
      return state.siblings.map((s) => s.value);
  }
}

export function siblingCount(state: Stored | undefined): number {
  if (!state) return 0;
  return state.kind === 'lww' ? 1 : state.kind === 'vv' ? state.values.length : state.siblings.length;
}

/** Version-vector entries the state carries (per object for `vv`, the largest per sibling for `dvv`). */
export function vectorSize(state: Stored | undefined): number {
  if (!state || state.kind === 'lww') return 0;
  if (state.kind === 'vv') return vvEntries(state.vv);
  let most = 0;
  for (const s of state.siblings)
    most = Math.max(most, vvEntries(vvJoin(s.past, vector([[s.dot.node, s.dot.counter]]))));
  return most;
}

/**
 * The context a read hands the client, to send back with its next write: what the client has seen.
 * For `dvv` the join of every sibling's past and dot; for `vv` the object's vector; nothing for LWW.
 */
export function contextOf(state: Stored | undefined): VersionVector {
  if (!state || state.kind === 'lww') return EMPTY;
  if (state.kind === 'vv') return state.vv;
  const seen = new Map<string, number>();
  for (const s of state.siblings) {
    for (const [node, counter] of Object.entries(s.past))
      seen.set(node, Math.max(seen.get(node) ?? 0, counter));
    seen.set(s.dot.node, Math.max(seen.get(s.dot.node) ?? 0, s.dot.counter));
  }
  return vector(seen);
}

export type WriteOutcome =
  { readonly ok: true; readonly state: Stored } | { readonly ok: false; readonly error: 'too many siblings' };

/**
 * The coordinator's update: a client wrote `value` having seen `context` (its last read of the key),
 * stamped `ts` by its clock; `server` coordinates and names the new version.
 */
export function coordinateWrite(
  mode: ConflictMode,
  local: Stored | undefined,
  server: string,
  value: string,
  context: VersionVector,
  ts: number,
): WriteOutcome {
  switch (mode) {
    case 'lww':
      // The new version goes out as is; every replica keeps the larger (ts, value), this one included.
      return { ok: true, state: { kind: 'lww', value, ts } };
    case 'vv': {
      const current = local?.kind === 'vv' ? local : undefined;
      const base = current?.vv ?? EMPTY;
      const joined = vvJoin(base, context);
      const vv = vvJoin(joined, vector([[server, vvGet(joined, server) + 1]]));
      // The context covers the whole object: the client saw every sibling, so its write replaces them.
      // Otherwise it cannot tell which ones it saw, and keeps them all.
      const values = current && !vvDescends(context, base) ? [...current.values, value].sort() : [value];
      if (values.length > MAX_SIBLINGS) return { ok: false, error: 'too many siblings' };
      return { ok: true, state: { kind: 'vv', vv, values } };
    }
    case 'dvv': {
      const siblings = local?.kind === 'dvv' ? local.siblings : [];
      let counter = vvGet(context, server);
      for (const s of siblings) {
        counter = Math.max(counter, vvGet(s.past, server));
        if (s.dot.node === server) counter = Math.max(counter, s.dot.counter);
      }
      // Exactly the siblings whose dot the context covers are superseded: the rest are concurrent.
      const kept = siblings.filter((s) => s.dot.counter > vvGet(context, s.dot.node));
      if (kept.length + 1 > MAX_SIBLINGS) return { ok: false, error: 'too many siblings' };
      const mine: DvvSibling = {
        dot: { node: server, counter: counter + 1 },
        past: vector(Object.entries(context)),
        value,
      };
      return { ok: true, state: { kind: 'dvv', siblings: [...kept, mine].sort(byDot) } };
    }
  }
}

type LwwState = Extract<Stored, { kind: 'lww' }>;

/** (ts, value) order: the larger timestamp wins, ties go to the larger value (values are unique). */
function lwwWins(a: LwwState, b: LwwState): boolean {
  return a.ts > b.ts || (a.ts === b.ts && a.value >= b.value);
}

/** The result of reconciling two states, or a refusal when it would pass MAX_SIBLINGS. */
export type MergeOutcome = { readonly ok: true; readonly state: Stored } | { readonly ok: false };

/**
 * Sync: what a replica holds after learning `incoming` (a replicated write, a repair, a hint, an
 * anti-entropy entry). Commutative, associative and idempotent in every mode.
 */
export function merge(local: Stored | undefined, incoming: Stored, mutant?: QuorumMutant): MergeOutcome {
  if (!local) return { ok: true, state: incoming };
  invariant(
    local.kind === incoming.kind,
    'one conflict mode per store',
    () => `${local.kind} vs ${incoming.kind}`,
  );
  switch (incoming.kind) {
    case 'lww':
      return { ok: true, state: lwwWins(local as LwwState, incoming) ? local : incoming };
    case 'vv': {
      const mine = local as Extract<Stored, { kind: 'vv' }>;
      const ahead = vvDescends(mine.vv, incoming.vv);
      const behind = vvDescends(incoming.vv, mine.vv);
      // Equal vectors can hold different values: one replica unioned a sibling in that a later write
      // had superseded, and one vector cannot say which (the flaw dots fix). Keep the union, so
      // replicas agree on the false conflict rather than disagree forever under one vector.
      if (ahead && !behind) return { ok: true, state: mine };
      if (behind && !ahead) return { ok: true, state: incoming };
      const values = [...new Set([...mine.values, ...incoming.values])].sort();
      if (values.length > MAX_SIBLINGS) return { ok: false };
      return { ok: true, state: { kind: 'vv', vv: vvJoin(mine.vv, incoming.vv), values } };
    }
    case 'dvv': {
      const siblings = dvvSync(
        (local as Extract<Stored, { kind: 'dvv' }>).siblings,
        incoming.siblings,
        mutant,
      );
      if (siblings.length > MAX_SIBLINGS) return { ok: false };
      return { ok: true, state: { kind: 'dvv', siblings } };
    }
  }
}

/** DVV sync: every sibling of either side, less those another sibling's causal past covers. */
function dvvSync(a: readonly DvvSibling[], b: readonly DvvSibling[], mutant?: QuorumMutant): DvvSibling[] {
  const byKey = new Map<string, DvvSibling>();
  for (const s of a) byKey.set(dotKey(s.dot), s);
  for (const s of b) {
    const seen = byKey.get(dotKey(s.dot));
    invariant(
      !seen || seen.value === s.value,
      'a dot names one write',
      () => `dot ${dotKey(s.dot)} holds ${seen?.value} and ${s.value}`,
    );
    if (!seen) byKey.set(dotKey(s.dot), s);
  }
  const all = [...byKey.values()];
  const perServer = mutantActive(mutant, 'dvv-merge-drops-dot');
  return all
    .filter(
      (x) =>
        !all.some(
          (y) =>
            y !== x &&
            (x.dot.counter <= vvGet(y.past, x.dot.node) ||
              // The bug: a later dot of the same server taken to cover an earlier one, as a plain
              // per-server vector would — the concurrent sibling that dot did not see is dropped.
              (perServer && y.dot.node === x.dot.node && y.dot.counter > x.dot.counter)),
        ),
    )
    .sort(byDot);
}

/** a has seen everything b holds (a ⊒ b): replacing b by a never loses a write. */
export function descends(a: Stored | undefined, b: Stored | undefined): boolean {
  if (!b) return true;
  if (!a) return false;
  if (a.kind !== b.kind) return false;
  switch (b.kind) {
    case 'lww':
      return lwwWins(a as LwwState, b);
    case 'vv':
      return vvDescends((a as Extract<Stored, { kind: 'vv' }>).vv, b.vv);
    case 'dvv': {
      const mine = (a as Extract<Stored, { kind: 'dvv' }>).siblings;
      return b.siblings.every((x) =>
        mine.some(
          (y) =>
            (y.dot.node === x.dot.node && y.dot.counter === x.dot.counter) ||
            x.dot.counter <= vvGet(y.past, x.dot.node),
        ),
      );
    }
  }
}

/** Canonical encoding: equal states encode equal (the pieces are built canonical). */
export function encodeStored(state: Stored): string {
  return JSON.stringify(state);
}

export function decodeStored(text: string): Stored {
  return JSON.parse(text) as Stored;
}

export function sameState(a: Stored | undefined, b: Stored | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return encodeStored(a) === encodeStored(b);
}

/** The 32-bit digest a Merkle leaf is built from. */
export function digestOf(state: Stored): number {
  return murmur3(encodeStored(state));
}

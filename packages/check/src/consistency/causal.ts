/**
 * Causal consistency (CC) of a differentiated register history by its bad patterns (Bouajjani, Enea,
 * Guerraoui and Hamza, "On Verifying Causal Consistency", POPL 2017). The causal order is session order
 * and reads-from, transitively closed; a history is CC exactly when it has none of:
 * - ThinAirRead: a read returns a value nobody wrote to that key;
 * - CyclicCO: the causal order has a cycle (a read depends on a write that depends on it);
 * - WriteCOInitRead: a read returns the initial value though a write of its key is in its causal past;
 * - WriteCORead: a read returns w1 though its causal past holds a write w2 of the same key with w1 before w2.
 * The causal past of every operation is a bit set filled in topological order: O(n² / 32) memory.
 *
 * A read of siblings reads from every sibling write, so WriteCORead also catches a sibling that another
 * returned sibling (or anything else in the read's causal past) overwrote: a store that keeps it
 * returned a value its own context had superseded. A snapshot read of several keys is one operation
 * whose causal past holds every write it read, so seeing an answer without its question is
 * WriteCOInitRead or WriteCORead.
 */
import { describeRegisterOp, type RegisterHistory, type RegisterOp } from './register-history';

export type CausalPattern = 'ThinAirRead' | 'CyclicCO' | 'WriteCOInitRead' | 'WriteCORead';

export interface CausalResult {
  readonly holds: boolean;
  readonly pattern?: CausalPattern;
  /** The operations of the pattern (history op ids), in causal order where there is one. */
  readonly operations?: readonly number[];
  readonly detail?: string;
}

/** Causal histories past this many operations are refused: the bit sets would need n² bits. */
export const MAX_CAUSAL_OPERATIONS = 20_000;

export function checkCausal(history: RegisterHistory): CausalResult {
  const { ops, readsFrom, sessions, writesOf } = history;
  const n = ops.length;
  if (n > MAX_CAUSAL_OPERATIONS)
    throw new Error(`causal check: ${n} operations, more than the ${MAX_CAUSAL_OPERATIONS} it handles`);
  const show = (i: number) => describeRegisterOp(ops[i] as RegisterOp);
  for (const [read, from] of readsFrom)
    if (from === 'unknown')
      return {
        holds: false,
        pattern: 'ThinAirRead',
        operations: [(ops[read] as RegisterOp).id],
        detail: `${show(read)} returns a value nobody wrote to that key`,
      };
  // Edges: each session's consecutive operations, and write → each read that read from it.
  const successors: number[][] = Array.from({ length: n }, () => []);
  const indegree = new Int32Array(n);
  const edge = (a: number, b: number) => {
    (successors[a] as number[]).push(b);
    indegree[b] = (indegree[b] as number) + 1;
  };
  for (const list of sessions.values())
    for (let i = 1; i < list.length; i++) edge(list[i - 1] as number, list[i] as number);
  // A read of several values at once (a snapshot, siblings) is one operation: every write any of its
  // parts read is in the causal past of its first part, so of all its parts.
  for (const [read, from] of readsFrom)
    if (typeof from === 'number') edge(from, (ops[read] as RegisterOp).group ?? read);
  // Kahn's order; what is left over lies on or behind a cycle.
  const order: number[] = [];
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (indegree[i] === 0) queue.push(i);
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head] as number;
    order.push(v);
    for (const w of successors[v] as number[]) {
      indegree[w] = (indegree[w] as number) - 1;
      if (indegree[w] === 0) queue.push(w);
    }
  }
  if (order.length < n) {
    const cycle = findCycle(successors, indegree);
    return {
      holds: false,
      pattern: 'CyclicCO',
      operations: cycle.map((i) => (ops[i] as RegisterOp).id),
      detail: `causal cycle: ${cycle.map(show).join(' → ')} → back to the first`,
    };
  }
  // past[v]: the operations causally before v (bit set).
  const words = (n + 31) >>> 5;
  const past: Uint32Array[] = new Array<Uint32Array>(n);
  const has = (set: Uint32Array, i: number) => ((set[i >>> 5] as number) & (1 << (i & 31))) !== 0;
  const predecessors: number[][] = Array.from({ length: n }, () => []);
  for (let v = 0; v < n; v++)
    for (const w of successors[v] as number[]) (predecessors[w] as number[]).push(v);
  for (const v of order) {
    const set = new Uint32Array(words);
    for (const u of predecessors[v] as number[]) {
      const from = past[u] as Uint32Array;
      for (let k = 0; k < words; k++) set[k] = (set[k] as number) | (from[k] as number);
      set[u >>> 5] = (set[u >>> 5] as number) | (1 << (u & 31));
    }
    past[v] = set;
  }
  for (const [read, from] of readsFrom) {
    const op = ops[read] as RegisterOp;
    const mine = past[read] as Uint32Array;
    for (const w of writesOf.get(op.key) ?? []) {
      if (w === from || !has(mine, w)) continue;
      if (from === 'initial')
        return {
          holds: false,
          pattern: 'WriteCOInitRead',
          operations: [(ops[w] as RegisterOp).id, op.id],
          detail: `${show(read)} returns the initial value though ${show(w)} is in its causal past`,
        };
      if (typeof from === 'number' && has(past[w] as Uint32Array, from))
        return {
          holds: false,
          pattern: 'WriteCORead',
          operations: [(ops[from] as RegisterOp).id, (ops[w] as RegisterOp).id, op.id],
          detail: `${show(read)} returns ${show(from)}, which ${show(w)} overwrote in its causal past`,
        };
    }
  }
  return { holds: true };
}

/**
 * A cycle among the nodes Kahn's algorithm could not order. Each of them still has a predecessor among
 * them (that is why its in-degree stayed above 0), so walking backwards must repeat a node.
 */
function findCycle(successors: readonly (readonly number[])[], indegree: Int32Array): number[] {
  const left = new Set<number>();
  for (let i = 0; i < indegree.length; i++) if ((indegree[i] as number) > 0) left.add(i);
  const predecessor = new Map<number, number>();
  for (const v of left)
    for (const w of successors[v] as readonly number[]) if (left.has(w)) predecessor.set(w, v);
  const seenAt = new Map<number, number>();
  const path: number[] = [];
  let v = left.values().next().value as number;
  while (!seenAt.has(v)) {
    seenAt.set(v, path.length);
    path.push(v);
    v = predecessor.get(v) as number;
  }
  return path.slice(seenAt.get(v)).reverse();
}

/**
 * Strongly connected components by Tarjan's algorithm (1972), iterative: a recursive walk would
 * overflow the stack on a long chain of dependencies, which every large history has.
 */
import type { DependencyGraph } from './graph';

export interface Components {
  /** Component of each node, or -1 when its component is the node alone (it lies on no cycle). */
  readonly label: Int32Array;
  /** How many components of two or more nodes. */
  readonly count: number;
  /** Size of each such component. */
  readonly sizes: readonly number[];
  /**
   * A topological rank of each node's component (0 first; -1 when the node took no part): every
   * edge followed goes from a rank to the same or a higher one, so a path from a to b exists only
   * if rank[a] ≤ rank[b].
   */
  readonly rank: Int32Array;
}

/**
 * The search's scratch arrays, reusable across searches over one graph (each is a few megabytes for
 * a million transactions; allocating them per search costs garbage collections).
 */
export class SccWorkspace {
  readonly index: Int32Array;
  readonly low: Int32Array;
  readonly onStack: Uint8Array;
  readonly stack: Int32Array;
  readonly callNode: Int32Array;
  readonly callEdge: Int32Array;

  constructor(nodes: number) {
    this.index = new Int32Array(nodes);
    this.low = new Int32Array(nodes);
    this.onStack = new Uint8Array(nodes);
    this.stack = new Int32Array(nodes);
    this.callNode = new Int32Array(nodes);
    this.callEdge = new Int32Array(nodes);
  }
}

/**
 * Components of the subgraph of edges whose kind is in `mask`. With `within`, only nodes labelled
 * ≥ 0 take part and only edges between nodes of the same `within` label are followed: a finer
 * search inside components already found.
 */
export function stronglyConnected(
  graph: DependencyGraph,
  mask: number,
  within: Int32Array | null = null,
  workspace: SccWorkspace = new SccWorkspace(graph.nodes),
): Components {
  const n = graph.nodes;
  const { offsets, target, kind } = graph;
  const { index, low, onStack, stack, callNode, callEdge } = workspace;
  index.fill(-1);
  onStack.fill(0);
  const label = new Int32Array(n).fill(-1);
  // Tarjan emits components in reverse topological order: count them, flip at the end.
  const emitted = new Int32Array(n).fill(-1);
  let emitCount = 0;
  const sizes: number[] = [];
  let sp = 0;
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1 || (within !== null && (within[root] as number) < 0)) continue;
    let csp = 0;
    callNode[csp] = root;
    callEdge[csp++] = offsets[root] as number;
    index[root] = low[root] = counter++;
    stack[sp++] = root;
    onStack[root] = 1;
    while (csp > 0) {
      const v = callNode[csp - 1] as number;
      const e = callEdge[csp - 1] as number;
      if (e < (offsets[v + 1] as number)) {
        callEdge[csp - 1] = e + 1;
        if (((kind[e] as number) & mask) === 0) continue;
        const w = target[e] as number;
        if (within !== null && within[w] !== within[v]) continue;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          onStack[w] = 1;
          callNode[csp] = w;
          callEdge[csp++] = offsets[w] as number;
        } else if (onStack[w] === 1 && (index[w] as number) < (low[v] as number)) low[v] = index[w] as number;
        continue;
      }
      csp--;
      if (low[v] === index[v]) {
        // v roots a component: everything above it on the stack.
        let size = 0;
        while (stack[sp - 1 - size] !== v) size++;
        size++;
        const id = size > 1 ? sizes.length : -1;
        if (size > 1) sizes.push(size);
        for (let i = 0; i < size; i++) {
          const w = stack[--sp] as number;
          onStack[w] = 0;
          label[w] = id;
          emitted[w] = emitCount;
        }
        emitCount++;
      }
      if (csp > 0) {
        const parent = callNode[csp - 1] as number;
        if ((low[v] as number) < (low[parent] as number)) low[parent] = low[v] as number;
      }
    }
  }
  for (let v = 0; v < n; v++)
    if ((emitted[v] as number) >= 0) emitted[v] = emitCount - 1 - (emitted[v] as number);
  return { label, count: sizes.length, sizes, rank: emitted };
}

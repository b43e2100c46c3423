/**
 * The dependency graph in compressed sparse rows: the out-edges of transaction v are
 * offsets[v] .. offsets[v + 1] - 1, each with its target, its kind and the index of the inferred edge
 * that explains it. Built once by counting sort; searches then walk flat arrays.
 */
import type { EdgeList } from './edges';

export interface DependencyGraph {
  readonly nodes: number;
  readonly offsets: Int32Array;
  readonly target: Int32Array;
  readonly kind: Uint8Array;
  /** Index into the EdgeList the graph was built from. */
  readonly edge: Int32Array;
}

export function buildGraph(nodes: number, edges: EdgeList): DependencyGraph {
  const offsets = new Int32Array(nodes + 1);
  const m = edges.length;
  for (let i = 0; i < m; i++) {
    const slot = edges.from(i) + 1;
    offsets[slot] = (offsets[slot] as number) + 1;
  }
  for (let v = 0; v < nodes; v++) offsets[v + 1] = (offsets[v + 1] as number) + (offsets[v] as number);
  const fill = offsets.slice(0, nodes);
  const target = new Int32Array(m);
  const kind = new Uint8Array(m);
  const edge = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const from = edges.from(i);
    const slot = fill[from] as number;
    fill[from] = slot + 1;
    target[slot] = edges.to(i);
    kind[slot] = edges.kind(i);
    edge[slot] = i;
  }
  return { nodes, offsets, target, kind, edge };
}

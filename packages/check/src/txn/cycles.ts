/**
 * Finding and classifying dependency cycles. A cycle's class is decided by its edges (Adya 1999,
 * §4; Elle §4): only ww → G0; ww and wr → G1c; exactly one rw → G-single; two or more rw → G2-item.
 * A cycle that needs process or real-time edges takes a suffix (G-single-realtime).
 *
 * Each class is searched exactly where it can exist. A cycle lies inside one strongly connected
 * component, so the whole graph is split once; a history with no component of two or more
 * transactions (every valid serializable history) stops there. Inside components, each class is an
 * "anchor" edge u → v plus a path v → u over allowed edges: a G-single is an rw edge whose ends are in
 * one component of the ww+wr subgraph (then v reaches u without rw). The shortest such path is found
 * by breadth-first search, so each component yields one short cycle per class, in linear time.
 */
import { DATA, PROCESS, REALTIME, RW, WR, WW, type EdgeList } from './edges';
import type { DependencyGraph } from './graph';
import { stronglyConnected, type Components } from './scc';
import type { AnomalyType } from './types';

export interface FoundCycle {
  readonly type: AnomalyType;
  /** EdgeList indices in cycle order: each edge starts where the previous ended. */
  readonly edges: readonly number[];
}

export interface CycleSearchResult {
  readonly cycles: readonly FoundCycle[];
  /** Components of the whole graph (data and order edges). */
  readonly components: Components;
}

/** The class of a cycle from the kinds of its edges. */
export function classify(kinds: readonly number[]): AnomalyType {
  let rw = 0;
  let wr = 0;
  let process = 0;
  let realtime = 0;
  for (const kind of kinds) {
    if (kind === RW) rw++;
    else if (kind === WR) wr++;
    else if (kind === PROCESS) process++;
    else if (kind === REALTIME) realtime++;
  }
  const base = rw >= 2 ? 'G2-item' : rw === 1 ? 'G-single' : wr > 0 ? 'G1c' : 'G0';
  return realtime > 0 ? `${base}-realtime` : process > 0 ? `${base}-process` : base;
}

interface Pass {
  /** Edges a path may follow. */
  readonly path: number;
  /** Kinds of the edge that closes the cycle. */
  readonly anchor: number;
  /** Components of the `path` subgraph: an anchor qualifies when both its ends are in one. */
  readonly components: Components;
  /** When set, an anchor qualifies only if its ends are in different components of this (so the path must use what this lacks). */
  readonly apart?: Components;
  /** Keep only cycles that use an order edge. */
  readonly needsOrder?: boolean;
}

export function findCycles(graph: DependencyGraph, edges: EdgeList, orderMask: number): CycleSearchResult {
  const full = stronglyConnected(graph, DATA | orderMask);
  if (full.count === 0) return { cycles: [], components: full };
  const within = full.label;
  const ww = stronglyConnected(graph, WW, within);
  const wwWr = stronglyConnected(graph, WW | WR, within);
  const data = orderMask === 0 ? full : stronglyConnected(graph, DATA, within);
  const passes: Pass[] = [
    { path: WW, anchor: WW, components: ww },
    { path: WW | WR, anchor: WR, components: wwWr },
    { path: WW | WR, anchor: RW, components: wwWr },
    { path: DATA, anchor: RW, components: data, apart: wwWr },
  ];
  if (orderMask !== 0) {
    const x = orderMask;
    const wwX = stronglyConnected(graph, WW | x, within);
    const wwWrX = stronglyConnected(graph, WW | WR | x, within);
    passes.push(
      { path: WW | x, anchor: x, components: wwX, needsOrder: true },
      { path: WW | WR | x, anchor: WR, components: wwWrX, apart: wwWr, needsOrder: true },
      { path: WW | WR | x, anchor: x, components: wwWrX, apart: wwX, needsOrder: true },
      { path: WW | WR | x, anchor: RW, components: wwWrX, apart: wwWr, needsOrder: true },
      { path: DATA | x, anchor: RW, components: full, apart: wwWrX, needsOrder: true },
      { path: DATA | x, anchor: x, components: full, apart: wwWrX, needsOrder: true },
    );
  }
  const search = new PathSearch(graph);
  const cycles: FoundCycle[] = [];
  const seen = new Set<string>();
  for (const pass of passes) {
    for (const slots of runPass(graph, pass, search)) {
      const kinds = slots.map((slot) => graph.kind[slot] as number);
      if (pass.needsOrder && !kinds.some((kind) => (kind & orderMask) !== 0)) continue;
      const cycleEdges = rotateToLeast(
        slots.map((slot) => graph.edge[slot] as number),
        edges,
      );
      const key = cycleEdges.map((e) => `${edges.from(e)}-${edges.kind(e)}`).join(' ');
      if (seen.has(key)) continue;
      seen.add(key);
      cycles.push({ type: classify(kinds), edges: cycleEdges });
    }
  }
  return { cycles, components: full };
}

/**
 * A cycle starting at its least transaction: the same cycle found from another anchor then looks the
 * same, and a reader sees T3 → T7 → T3 rather than T7 → T3 → T7.
 */
function rotateToLeast(cycle: readonly number[], edges: EdgeList): number[] {
  let start = 0;
  for (let i = 1; i < cycle.length; i++)
    if (edges.from(cycle[i] as number) < edges.from(cycle[start] as number)) start = i;
  return cycle.slice(start).concat(cycle.slice(0, start));
}

/** One cycle per component of `pass.components` that has a qualifying anchor; CSR slots in order. */
function runPass(graph: DependencyGraph, pass: Pass, search: PathSearch): number[][] {
  const { offsets, target, kind } = graph;
  const label = pass.components.label;
  const apart = pass.apart?.label;
  const done = new Uint8Array(pass.components.count);
  const found: number[][] = [];
  for (let u = 0; u < graph.nodes; u++) {
    const c = label[u] as number;
    if (c < 0 || done[c] === 1) continue;
    for (let slot = offsets[u] as number; slot < (offsets[u + 1] as number); slot++) {
      if (((kind[slot] as number) & pass.anchor) === 0) continue;
      const v = target[slot] as number;
      if (label[v] !== c) continue;
      if (apart !== undefined && (apart[u] as number) >= 0 && apart[u] === apart[v]) continue;
      const path = search.shortestPath(v, u, pass.path, label);
      if (path === undefined) continue;
      done[c] = 1;
      found.push([slot].concat(path));
      break;
    }
  }
  return found;
}

/** Breadth-first search inside one component, with buffers reused across searches (stamped, never cleared). */
class PathSearch {
  private readonly seen: Int32Array;
  private readonly parentSlot: Int32Array;
  private readonly parentNode: Int32Array;
  private readonly queue: Int32Array;
  private stamp = 0;

  constructor(private readonly graph: DependencyGraph) {
    this.seen = new Int32Array(graph.nodes);
    this.parentSlot = new Int32Array(graph.nodes);
    this.parentNode = new Int32Array(graph.nodes);
    this.queue = new Int32Array(graph.nodes);
  }

  /** CSR slots of a shortest path from → to over `mask` edges between nodes of to's label, if any. */
  shortestPath(from: number, to: number, mask: number, label: Int32Array): number[] | undefined {
    const { offsets, target, kind } = this.graph;
    const c = label[to];
    const stamp = ++this.stamp;
    this.seen[from] = stamp;
    let head = 0;
    let tail = 0;
    this.queue[tail++] = from;
    while (head < tail) {
      const x = this.queue[head++] as number;
      if (x === to) break;
      for (let slot = offsets[x] as number; slot < (offsets[x + 1] as number); slot++) {
        if (((kind[slot] as number) & mask) === 0) continue;
        const y = target[slot] as number;
        if (this.seen[y] === stamp || label[y] !== c) continue;
        this.seen[y] = stamp;
        this.parentSlot[y] = slot;
        this.parentNode[y] = x;
        this.queue[tail++] = y;
      }
    }
    if (this.seen[to] !== stamp) return undefined;
    const path: number[] = [];
    for (let x = to; x !== from; x = this.parentNode[x] as number) path.push(this.parentSlot[x] as number);
    path.reverse();
    return path;
  }
}

/**
 * Finding and classifying dependency cycles. A cycle's class is decided by its edges (Adya 1999,
 * §4; Elle §4): only ww → G0; ww and wr → G1c; exactly one rw → G-single; two or more rw → G2-item.
 * A cycle that needs process or real-time edges takes a suffix (G-single-realtime).
 *
 * A cycle lies inside one strongly connected component, so the whole graph is split once; a history
 * whose components are all single transactions (every valid serializable history) stops there.
 * Inside components, a cycle of a class is an "anchor" edge u → v of some kind plus a path v → u over
 * allowed kinds, found by breadth-first search (so it is the shortest cycle through that anchor).
 *
 * Where the anchor's kind is one the path may use, a path exists exactly when u and v share a
 * component of the path's subgraph: G0, G1c and "any cycle with an rw edge" (what serializability
 * forbids) are decided in linear time. G-single is an rw anchor with a path of ww and wr only, a
 * reachability question that no component answers; those searches are pruned by topological rank
 * (a path from v to u exists only if rank(v) ≤ rank(u), and only through ranks in between) and share
 * a work budget. When the budget runs out the result says so.
 */
import { DATA, PROCESS, REALTIME, RW, WR, WW, type EdgeList } from './edges';
import type { DependencyGraph } from './graph';
import { SccWorkspace, stronglyConnected, type Components } from './scc';
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
  /** Whether a reachability search stopped at the work budget (a G-single may have been missed). */
  readonly exhausted: boolean;
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
  /** The search region: an anchor's ends must share a component, and the path stays in it. */
  readonly region: Components;
  /** Components of the `path` subgraph, when the anchor is not a path kind: prunes by rank. */
  readonly reach?: Components;
  /** Prefer anchors whose ends are in different components of this (the path must use what it lacks). */
  readonly apart?: Components;
  /** Keep only cycles that use an order edge (the others are found by the passes without them). */
  readonly needsOrder?: boolean;
}

/** Edge visits the reachability searches may spend: linear in the graph, plus room for small ones. */
export function searchBudget(graph: DependencyGraph): number {
  return 20 * (graph.nodes + graph.target.length) + 1_000_000;
}

export function findCycles(
  graph: DependencyGraph,
  edges: EdgeList,
  orderMask: number,
  budget: number = searchBudget(graph),
): CycleSearchResult {
  const workspace = new SccWorkspace(graph.nodes);
  const full = stronglyConnected(graph, DATA | orderMask, null, workspace);
  if (full.count === 0) return { cycles: [], components: full, exhausted: false };
  const within = full.label;
  const ww = stronglyConnected(graph, WW, within, workspace);
  const wwWr = stronglyConnected(graph, WW | WR, within, workspace);
  const data = orderMask === 0 ? full : stronglyConnected(graph, DATA, within, workspace);
  const passes: Pass[] = [
    { path: WW, anchor: WW, region: ww },
    { path: WW | WR, anchor: WR, region: wwWr },
    { path: WW | WR, anchor: RW, region: data, reach: wwWr },
    { path: DATA, anchor: RW, region: data, apart: wwWr },
  ];
  if (orderMask !== 0) {
    const x = orderMask;
    const wwX = stronglyConnected(graph, WW | x, within, workspace);
    const wwWrX = stronglyConnected(graph, WW | WR | x, within, workspace);
    passes.push(
      { path: WW | x, anchor: x, region: wwX, needsOrder: true },
      { path: WW | WR | x, anchor: WR, region: wwWrX, apart: wwWr, needsOrder: true },
      { path: WW | WR | x, anchor: x, region: wwWrX, apart: wwX, needsOrder: true },
      { path: WW | WR | x, anchor: RW, region: full, reach: wwWrX, needsOrder: true },
      { path: DATA | x, anchor: RW, region: full, apart: wwWrX, needsOrder: true },
      { path: DATA | x, anchor: x, region: full, apart: wwWrX, needsOrder: true },
    );
  }
  const search = new PathSearch(graph, budget);
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
  return { cycles, components: full, exhausted: search.exhausted };
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

/**
 * One cycle per region component that has an anchor closing one; CSR slots in order. Anchors whose
 * ends lie in different `apart` components are tried first, then the rest.
 */
function runPass(graph: DependencyGraph, pass: Pass, search: PathSearch): number[][] {
  const found: number[][] = [];
  const done = new Uint8Array(pass.region.count);
  for (const preferApart of pass.apart ? [true, false] : [false]) {
    for (let u = 0; u < graph.nodes; u++) {
      const c = pass.region.label[u] as number;
      if (c < 0 || done[c] === 1) continue;
      const cycle = closeCycle(graph, pass, search, u, c, preferApart);
      if (cycle) {
        done[c] = 1;
        found.push(cycle);
      }
      // Only reachability passes can fail and spend the budget; the others always complete.
      if (pass.reach && search.exhausted) return found;
    }
  }
  return found;
}

function closeCycle(
  graph: DependencyGraph,
  pass: Pass,
  search: PathSearch,
  u: number,
  c: number,
  preferApart: boolean,
): number[] | undefined {
  const { offsets, target, kind } = graph;
  const label = pass.region.label;
  const apart = pass.apart?.label;
  const rank = pass.reach?.rank;
  for (let slot = offsets[u] as number; slot < (offsets[u + 1] as number); slot++) {
    if (((kind[slot] as number) & pass.anchor) === 0) continue;
    const v = target[slot] as number;
    if (label[v] !== c) continue;
    if (apart !== undefined) {
      const together = (apart[u] as number) >= 0 && apart[u] === apart[v];
      if (preferApart === together) continue;
    }
    if (rank !== undefined && (rank[v] as number) > (rank[u] as number)) continue;
    const path = search.shortestPath(v, u, pass.path, label, rank);
    if (path !== undefined) return [slot].concat(path);
    if (rank !== undefined && search.exhausted) return undefined;
  }
  return undefined;
}

/** Breadth-first search inside one component, with buffers reused across searches (stamped, never cleared). */
class PathSearch {
  private readonly seen: Int32Array;
  private readonly parentSlot: Int32Array;
  private readonly parentNode: Int32Array;
  private readonly queue: Int32Array;
  private stamp = 0;
  exhausted = false;

  constructor(
    private readonly graph: DependencyGraph,
    private budget: number,
  ) {
    this.seen = new Int32Array(graph.nodes);
    this.parentSlot = new Int32Array(graph.nodes);
    this.parentNode = new Int32Array(graph.nodes);
    this.queue = new Int32Array(graph.nodes);
  }

  /**
   * CSR slots of a shortest path from → to over `mask` edges between nodes of to's label, if any.
   * With `rank` (a reachability search, which may fail), nodes ranked after `to` are not entered (no
   * path to `to` leaves from them) and the edges visited are charged to the budget.
   */
  shortestPath(
    from: number,
    to: number,
    mask: number,
    label: Int32Array,
    rank?: Int32Array,
  ): number[] | undefined {
    const { offsets, target, kind } = this.graph;
    const c = label[to];
    const limit = rank !== undefined ? (rank[to] as number) : 0;
    const stamp = ++this.stamp;
    this.seen[from] = stamp;
    let head = 0;
    let tail = 0;
    this.queue[tail++] = from;
    while (head < tail) {
      const x = this.queue[head++] as number;
      if (x === to) break;
      const end = offsets[x + 1] as number;
      if (rank !== undefined) this.budget -= end - (offsets[x] as number) + 1;
      for (let slot = offsets[x] as number; slot < end; slot++) {
        if (((kind[slot] as number) & mask) === 0) continue;
        const y = target[slot] as number;
        if (this.seen[y] === stamp || label[y] !== c) continue;
        if (rank !== undefined && (rank[y] as number) > limit) continue;
        this.seen[y] = stamp;
        this.parentSlot[y] = slot;
        this.parentNode[y] = x;
        this.queue[tail++] = y;
      }
    }
    if (this.seen[to] !== stamp) {
      if (rank !== undefined && this.budget < 0) this.exhausted = true;
      return undefined;
    }
    const path: number[] = [];
    for (let x = to; x !== from; x = this.parentNode[x] as number) path.push(this.parentSlot[x] as number);
    path.reverse();
    return path;
  }
}

// The cycle search against brute force on small random graphs: every simple cycle enumerated and
// classified by its edges. The search reports one cycle per component and class, so the property is
// about existence: G0, G1c and G-single are found exactly when such a cycle exists, and every model's
// verdict is the brute-force verdict. Every reported cycle must be a real cycle of its class.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { baseClass, forbids } from './consistency';
import { classify, findCycles } from './cycles';
import { EdgeList, NO_OP, OpIndex, PROCESS, REALTIME, RW, WR, WW } from './edges';
import { buildGraph } from './graph';
import { stronglyConnected } from './scc';
import { CONSISTENCY_MODELS, type AnomalyType } from './types';

type Edge = readonly [from: number, to: number, kind: number];

function build(nodes: number, list: readonly Edge[]) {
  const edges = new EdgeList(new OpIndex(new Int32Array(nodes)));
  for (const [from, to, kind] of list) edges.add(from, to, kind, NO_OP, NO_OP);
  return { edges, graph: buildGraph(nodes, edges) };
}

/** Every simple cycle (as edge lists), each found once from its least node. */
function allCycles(nodes: number, list: readonly Edge[]): Edge[][] {
  const out: Edge[][] = [];
  const walk = (start: number, at: number, path: Edge[], visited: Set<number>) => {
    for (const edge of list) {
      if (edge[0] !== at) continue;
      if (edge[1] === start) out.push([...path, edge]);
      else if (edge[1] > start && !visited.has(edge[1])) {
        visited.add(edge[1]);
        walk(start, edge[1], [...path, edge], visited);
        visited.delete(edge[1]);
      }
    }
  };
  for (let start = 0; start < nodes; start++) walk(start, start, [], new Set([start]));
  return out;
}

const graphs = (withOrder: boolean) =>
  fc.integer({ min: 2, max: 6 }).chain((nodes) =>
    fc
      .array(
        fc.tuple(
          fc.nat(nodes - 1),
          fc.nat(nodes - 1),
          fc.constantFrom(...(withOrder ? [WW, WR, RW, PROCESS, REALTIME] : [WW, WR, RW])),
        ),
        { maxLength: 14 },
      )
      // No self loops; order edges only go forward in time, as process and real-time order do.
      .map((list) =>
        list
          .filter(([from, to]) => from !== to)
          .map(([from, to, kind]): Edge =>
            kind >= PROCESS && from > to ? [to, from, kind] : [from, to, kind],
          ),
      )
      .map((list) => ({ nodes, list })),
  );

describe('cycle search', () => {
  it('finds G0, G1c and G-single exactly when they exist, G2-item or G-single when a cycle has two rw', () => {
    fc.assert(
      fc.property(graphs(false), ({ nodes, list }) => {
        const { edges, graph } = build(nodes, list);
        const found = new Set(findCycles(graph, edges, 0).cycles.map((c) => c.type));
        const exist = new Set(allCycles(nodes, list).map((cycle) => classify(cycle.map((e) => e[2]))));
        for (const type of ['G0', 'G1c', 'G-single'] as const) expect(found.has(type)).toBe(exist.has(type));
        if (exist.has('G2-item')) expect(found.has('G2-item') || found.has('G-single')).toBe(true);
        if (found.has('G2-item')) expect(exist.has('G2-item')).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('with process and real-time edges, every model’s verdict is the brute-force verdict', () => {
    fc.assert(
      fc.property(graphs(true), ({ nodes, list }) => {
        const { edges, graph } = build(nodes, list);
        const found = findCycles(graph, edges, PROCESS | REALTIME).cycles.map((c) => c.type);
        const exist = allCycles(nodes, list).map((cycle) => classify(cycle.map((e) => e[2])));
        for (const model of CONSISTENCY_MODELS) {
          const flagged = (types: AnomalyType[]) => types.some((type) => forbids(model, type));
          expect(flagged(found), model).toBe(flagged(exist));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('reports real cycles, named by their edges, starting at their least transaction', () => {
    fc.assert(
      fc.property(graphs(true), ({ nodes, list }) => {
        const { edges, graph } = build(nodes, list);
        for (const cycle of findCycles(graph, edges, PROCESS | REALTIME).cycles) {
          const steps = cycle.edges.map((e) => [edges.from(e), edges.to(e), edges.kind(e)] as const);
          steps.forEach(([, to], i) => expect(to).toBe(steps[(i + 1) % steps.length]![0]));
          expect(new Set(steps.map(([from]) => from)).size).toBe(steps.length);
          expect(Math.min(...steps.map(([from]) => from))).toBe(steps[0]![0]);
          expect(classify(steps.map(([, , kind]) => kind))).toBe(cycle.type);
          expect(baseClass(cycle.type)).toMatch(/^(G0|G1c|G-single|G2-item)$/);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('names cycle classes by their edges', () => {
    expect(classify([WW, WW])).toBe('G0');
    expect(classify([WW, WR])).toBe('G1c');
    expect(classify([RW, WR, WW])).toBe('G-single');
    expect(classify([RW, RW])).toBe('G2-item');
    expect(classify([RW, REALTIME])).toBe('G-single-realtime');
    expect(classify([WW, PROCESS])).toBe('G0-process');
    expect(classify([RW, PROCESS, REALTIME, RW])).toBe('G2-item-realtime');
  });

  it('handles a million-edge chain and a hundred-thousand-node cycle without recursion', () => {
    const n = 1_000_000;
    const chain: Edge[] = [];
    for (let i = 0; i + 1 < n; i++) chain.push([i, i + 1, WW]);
    const long = build(n, chain);
    expect(stronglyConnected(long.graph, WW).count).toBe(0);
    const ring = build(100_000, [...chain.slice(0, 99_999), [99_999, 0, WR]]);
    const { cycles, components } = findCycles(ring.graph, ring.edges, 0);
    expect(components.sizes).toEqual([100_000]);
    expect(cycles.map((c) => [c.type, c.edges.length])).toEqual([['G1c', 100_000]]);
  });
});

describe('the reachability budget', () => {
  it('stops only the G-single search and says so; serializability is still decided', () => {
    // Write skew around a ring: every rw anchor needs a search, none closes with one rw.
    const list: Edge[] = [];
    for (let i = 0; i < 50; i++) list.push([i, (i + 1) % 50, i % 2 === 0 ? RW : WW]);
    const { edges, graph } = build(50, list);
    const generous = findCycles(graph, edges, 0);
    expect(generous.exhausted).toBe(false);
    expect(generous.cycles.map((c) => c.type)).toEqual(['G2-item']);
    const starved = findCycles(graph, edges, 0, 0);
    expect(starved.exhausted).toBe(true);
    expect(starved.cycles.map((c) => c.type)).toEqual(['G2-item']);
  });
});

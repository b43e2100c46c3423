/**
 * What the lab's resilience view draws of a live run: the service graph with each edge's recent call
 * outcomes, each breaker's state now and its transitions over the last seconds, every pool's occupancy
 * (workers, queue, bulkhead slots, the adaptive limit) over time, and how many requests reached the
 * deepest layer per client request (retry amplification).
 */
import type { LiveDetail } from '../contract';
import type { BreakerState } from './breaker';
import type { GraphCluster } from './cluster';
import { emptyCounts, type EdgeCounts, type OccupancySample } from './ledger';

/** The span of time drawn, ending now. */
export const DETAIL_SPAN_MS = 5_000;
/** Edge outcomes are counted over this last stretch. */
export const EDGE_WINDOW_MS = 1_000;

export interface ResilienceNodeDetail {
  readonly id: string;
  readonly kind: 'client' | 'service';
  readonly service: string;
  readonly up: boolean;
  readonly mode: string;
  readonly busy: number;
  readonly workers: number;
  readonly queued: number;
  readonly queue: number;
  readonly limit?: number;
  /** Depth in the graph: clients 0, the entry service 1, … */
  readonly depth: number;
  /** Requests answered ok (a service: served; a client: succeeded) and not. */
  readonly ok: number;
  readonly failed: number;
}

export interface ResilienceEdgeDetail {
  readonly from: string;
  /** The dependency (a service name), drawn to each of its instances. */
  readonly to: string;
  readonly instances: readonly string[];
  readonly ejected: readonly string[];
  readonly recent: EdgeCounts;
  readonly inFlight: number;
  readonly bulkhead?: { readonly used: number; readonly limit: number };
  readonly breaker?: {
    readonly state: BreakerState;
    readonly transitions: readonly { readonly t: number; readonly to: BreakerState }[];
  };
  readonly retries: number;
}

export interface ResilienceLiveDetail extends LiveDetail {
  readonly kind: 'resilience';
  readonly now: number;
  readonly nodes: readonly ResilienceNodeDetail[];
  readonly edges: readonly ResilienceEdgeDetail[];
  readonly occupancy: readonly OccupancySample[];
  readonly clientRequests: number;
  readonly clientOk: number;
  /** Requests that arrived at the deepest services, per client request. */
  readonly amplification: number;
  readonly deepest: readonly string[];
}

function depths(cluster: GraphCluster): Map<string, number> {
  const depth = new Map<string, number>();
  for (const c of cluster.spec.clients) depth.set(c.id, 0);
  // Breadth first from the clients' entry services along the dependency lists.
  let frontier = [...new Set(cluster.spec.clients.flatMap((c) => c.config.instances))];
  let level = 1;
  while (frontier.length > 0 && level < 32) {
    const next: string[] = [];
    for (const id of frontier) {
      if (depth.has(id)) continue;
      depth.set(id, level);
      const spec = cluster.spec.services.find((s) => s.id === id);
      for (const dep of spec?.config.dependencies ?? []) next.push(...dep.instances);
    }
    frontier = next;
    level++;
  }
  return depth;
}

export function resilienceDetail(cluster: GraphCluster): ResilienceLiveDetail {
  const { world, ledger, spec } = cluster;
  const now = world.now();
  const depth = depths(cluster);
  const nodes: ResilienceNodeDetail[] = [];
  for (const s of spec.services) {
    const up = world.isUp(s.id);
    const node = up ? cluster.service(s.id) : undefined;
    nodes.push({
      id: s.id,
      kind: 'service',
      service: s.config.service,
      up,
      mode: node ? node.currentMode.kind : 'crashed',
      busy: node?.busy ?? 0,
      workers: s.config.workers,
      queued: node?.queued ?? 0,
      queue: s.config.queue,
      ...(node?.limiter ? { limit: node.limiter.limit } : {}),
      depth: depth.get(s.id) ?? 1,
      ok: node?.served ?? 0,
      failed: (node?.failed ?? 0) + (node?.shed ?? 0),
    });
  }
  let clientRequests = 0;
  let clientOk = 0;
  for (const c of spec.clients) {
    const up = world.isUp(c.id);
    const snap = up ? cluster.client(c.id).snapshot() : undefined;
    clientRequests += snap?.requests ?? 0;
    clientOk += snap?.ok ?? 0;
    nodes.push({
      id: c.id,
      kind: 'client',
      service: 'client',
      up,
      mode: up ? 'healthy' : 'crashed',
      busy: 0,
      workers: 0,
      queued: 0,
      queue: 0,
      depth: 0,
      ok: snap?.ok ?? 0,
      failed: snap?.failed ?? 0,
    });
  }
  const recent = new Map<string, EdgeCounts>();
  for (const a of ledger.recentAttempts) {
    if (a.at < now - EDGE_WINDOW_MS) continue;
    const key = `${a.caller}→${a.dependency}`;
    let counts = recent.get(key);
    if (counts === undefined) {
      counts = emptyCounts();
      recent.set(key, counts);
    }
    counts[a.outcome]++;
  }
  const edges: ResilienceEdgeDetail[] = cluster.callers().map(({ node, caller }) => ({
    from: node,
    to: caller.dependency,
    instances: caller.instances,
    ejected: caller.ejected(),
    recent: recent.get(`${node}→${caller.dependency}`) ?? emptyCounts(),
    inFlight: caller.pending,
    ...(caller.bulkhead ? { bulkhead: { used: caller.bulkhead.used, limit: caller.bulkhead.limit } } : {}),
    ...(caller.breaker
      ? {
          breaker: {
            state: caller.breaker.state(now),
            transitions: caller.breaker.transitions
              .filter((t) => t.t >= now - DETAIL_SPAN_MS)
              .map((t) => ({ t: t.t, to: t.to })),
          },
        }
      : {}),
    retries: caller.retries,
  }));
  let deepestDepth = 0;
  for (const s of spec.services) deepestDepth = Math.max(deepestDepth, depth.get(s.id) ?? 0);
  const deepest = spec.services.filter((s) => (depth.get(s.id) ?? 0) === deepestDepth).map((s) => s.id);
  let deepArrivals = 0;
  for (const id of deepest) deepArrivals += ledger.arrivalCounts.get(id) ?? 0;
  return {
    kind: 'resilience',
    now,
    nodes,
    edges,
    occupancy: ledger.occupancy.filter((s) => s.t >= now - DETAIL_SPAN_MS),
    clientRequests,
    clientOk,
    amplification: clientRequests > 0 ? deepArrivals / clientRequests : 0,
    deepest,
  };
}

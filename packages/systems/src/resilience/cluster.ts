/**
 * Builds a service graph in a World from a `GraphSpec` (every service instance and client with its full
 * configuration, plus the faults to apply when), installs the checks that run after every event, and
 * samples every pool's occupancy for the picture.
 */
import { World, type Env, type NodeId, type TraceMode } from '@dslab/sim';
import { simpleLink } from '../link-params';
import { breakerMutants } from './breaker';
import type { Caller } from './caller';
import { callerMutants } from './caller';
import { ClientNode, type ClientConfig } from './client';
import { GraphLedger } from './ledger';
import type { ResilienceMessage } from './messages';
import { ServiceNode, type ServiceConfig, type ServiceMode } from './service';

export const resilienceMutants = [...breakerMutants, ...callerMutants] as const;
export type ResilienceMutant = (typeof resilienceMutants)[number];

export interface ServiceSpec {
  readonly id: NodeId;
  readonly config: Omit<ServiceConfig, 'observer' | 'mutant'>;
}

export interface ClientSpec {
  readonly id: NodeId;
  readonly config: Omit<ClientConfig, 'observer' | 'mutant'>;
}

export interface FaultSpec {
  readonly atMs: number;
  readonly nodes: readonly NodeId[];
  readonly mode: ServiceMode;
}

export interface GraphSpec {
  readonly services: readonly ServiceSpec[];
  readonly clients: readonly ClientSpec[];
  readonly faults: readonly FaultSpec[];
  readonly latencyMs: number;
  readonly jitterMs: number;
  /** Occupancy sampling period (0: none). */
  readonly sampleEveryMs: number;
  /** Keep every completion and arrival time (scenarios); fuzzing and the lab only count. */
  readonly keep?: boolean;
  readonly mutant?: ResilienceMutant;
}

export interface GraphCluster {
  readonly world: World;
  readonly spec: GraphSpec;
  readonly ledger: GraphLedger;
  readonly services: readonly NodeId[];
  readonly clients: readonly NodeId[];
  service(id: NodeId): ServiceNode;
  client(id: NodeId): ClientNode;
  /** Every caller of every node that is up now, with the node it lives on. */
  callers(): { node: NodeId; caller: Caller }[];
}

export function buildGraph(spec: GraphSpec, seed: number, trace: TraceMode = 'hash'): GraphCluster {
  const world = new World({
    seed,
    trace,
    network: simpleLink({ latencyMs: spec.latencyMs, jitterMs: spec.jitterMs }),
  });
  const ledger = new GraphLedger(world, spec.keep ?? false);
  const observer = {
    attempt: ledger.attempt.bind(ledger),
    arrived: (node: NodeId) => ledger.arrived(node),
    completed: ledger.completed.bind(ledger),
    sent: (caller: NodeId, instance: NodeId) => ledger.sent(caller, instance),
    held: (node: NodeId, ms: number) => ledger.held(node, ms),
  };
  const mutant = spec.mutant;
  const breakerMutant = breakerMutants.find((m) => m === mutant);
  const callerMutant = callerMutants.find((m) => m === mutant);
  const withMutant = <T extends { breaker?: unknown }>(policy: T): T =>
    breakerMutant && policy.breaker
      ? { ...policy, breaker: { ...(policy.breaker as object), mutant: breakerMutant } }
      : policy;
  const ids = new Set<NodeId>();
  for (const s of [...spec.services, ...spec.clients]) {
    if (ids.has(s.id)) throw new RangeError(`two nodes are called ${s.id}`);
    ids.add(s.id);
  }
  for (const s of spec.services) {
    const config: ServiceConfig = {
      ...s.config,
      dependencies: s.config.dependencies.map((d) => ({ ...d, policy: withMutant(d.policy) })),
      observer,
      ...(callerMutant ? { mutant: callerMutant } : {}),
    };
    world.addNode(s.id, (env: Env<ResilienceMessage>) => new ServiceNode(env, config));
  }
  for (const c of spec.clients) {
    const config: ClientConfig = {
      ...c.config,
      policy: withMutant(c.config.policy),
      observer,
      ...(callerMutant ? { mutant: callerMutant } : {}),
    };
    world.addNode(c.id, (env: Env<ResilienceMessage>) => new ClientNode(env, config));
  }
  for (const fault of spec.faults) {
    for (const node of fault.nodes)
      if (!spec.services.some((s) => s.id === node)) throw new RangeError(`fault on unknown service ${node}`);
    world.at(fault.atMs, `mode ${fault.mode.kind}`, () => {
      for (const node of fault.nodes) if (world.isUp(node)) world.node<ServiceNode>(node).setMode(fault.mode);
    });
  }
  const services = spec.services.map((s) => s.id);
  const clients = spec.clients.map((c) => c.id);
  const cluster: GraphCluster = {
    world,
    spec,
    ledger,
    services,
    clients,
    service: (id) => world.node<ServiceNode>(id),
    client: (id) => world.node<ClientNode>(id),
    callers: () => {
      const out: { node: NodeId; caller: Caller }[] = [];
      for (const id of services)
        if (world.isUp(id))
          for (const caller of world.node<ServiceNode>(id).callers.values()) out.push({ node: id, caller });
      for (const id of clients)
        if (world.isUp(id)) out.push({ node: id, caller: world.node<ClientNode>(id).caller });
      return out;
    },
  };
  installChecks(cluster);
  if (spec.sampleEveryMs > 0) scheduleSampling(cluster, spec.sampleEveryMs);
  return cluster;
}

function scheduleSampling(cluster: GraphCluster, everyMs: number): void {
  const { world } = cluster;
  const tick = () => {
    for (const id of cluster.services) {
      if (!world.isUp(id)) continue;
      const node = cluster.service(id);
      const calls: Record<string, number> = {};
      for (const [dep, caller] of node.callers) calls[dep] = caller.pending;
      cluster.ledger.sample({
        t: world.now(),
        node: id,
        busy: node.busy,
        queued: node.queued,
        calls,
        ...(node.limiter ? { limit: node.limiter.limit } : {}),
      });
    }
    world.after(everyMs, 'sample', tick);
  };
  world.after(everyMs, 'sample', tick);
}

export const BREAKER_CHECK = 'an open breaker sends nothing';
export const PROBE_CHECK = 'half-open admits only its probes';
export const BULKHEAD_CHECK = 'a bulkhead bounds its dependency';
export const BUDGET_CHECK = 'retries stay within the budget';

export const graphChecks: Record<string, (cluster: GraphCluster) => string | undefined> = {
  [BREAKER_CHECK]: (cluster) => {
    for (const { node, caller } of cluster.callers())
      if (caller.sentWhileOpen > 0)
        return `${node} sent ${caller.sentWhileOpen} call(s) to ${caller.dependency} while its breaker was open`;
    return undefined;
  },
  [PROBE_CHECK]: (cluster) => {
    for (const { node, caller } of cluster.callers()) {
      const breaker = caller.breaker;
      if (breaker && breaker.inFlightProbes > breaker.config.probes)
        return `${node}'s breaker for ${caller.dependency} has ${breaker.inFlightProbes} probes out, allowed ${breaker.config.probes}`;
    }
    return undefined;
  },
  [BULKHEAD_CHECK]: (cluster) => {
    for (const { node, caller } of cluster.callers()) {
      const limit = caller.policy.bulkhead;
      if (limit !== undefined && caller.pending > limit)
        return `${node} has ${caller.pending} calls in flight to ${caller.dependency}, its bulkhead allows ${limit}`;
    }
    return undefined;
  },
  [BUDGET_CHECK]: (cluster) => {
    for (const { node, caller } of cluster.callers())
      if (caller.retries > caller.retryBound())
        return `${node} retried ${caller.dependency} ${caller.retries} times, its budget allowed ${caller.retryBound().toFixed(2)}`;
    return undefined;
  },
};

function installChecks(cluster: GraphCluster): void {
  for (const [name, check] of Object.entries(graphChecks))
    cluster.world.addInvariant(name, () => check(cluster));
}

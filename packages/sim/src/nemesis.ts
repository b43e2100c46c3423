/**
 * Fault schedules as data: written by hand, generated from a seed, drawn on the lab's timeline,
 * shrunk when a run fails. `applyFaultSchedule` turns one into World actions.
 */
import type { NodeId } from './env';
import type { LinkConfig } from './network';
import type { Rng } from './rng';
import type { World } from './world';

export type Fault =
  | { readonly kind: 'partition'; readonly groups: readonly (readonly NodeId[])[] }
  | { readonly kind: 'one-way'; readonly from: NodeId; readonly to: NodeId }
  | { readonly kind: 'heal' }
  | { readonly kind: 'crash'; readonly node: NodeId }
  | { readonly kind: 'restart'; readonly node: NodeId }
  | { readonly kind: 'pause'; readonly node: NodeId; readonly ms: number }
  | { readonly kind: 'clock-offset'; readonly node: NodeId; readonly ms: number }
  | { readonly kind: 'clock-drift'; readonly node: NodeId; readonly ppm: number }
  | { readonly kind: 'clock-jump'; readonly node: NodeId; readonly ms: number }
  | {
      readonly kind: 'link';
      readonly from: NodeId | '*';
      readonly to: NodeId | '*';
      readonly config: Partial<LinkConfig>;
    };

export interface FaultStep {
  /** True virtual time in ms. */
  readonly at: number;
  readonly fault: Fault;
}

export type FaultSchedule = readonly FaultStep[];

export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'partition':
      return 'partition ' + fault.groups.map((g) => '[' + g.join(',') + ']').join(' ');
    case 'one-way':
      return `one-way ${fault.from}↛${fault.to}`;
    case 'heal':
      return 'heal';
    case 'crash':
    case 'restart':
      return `${fault.kind} ${fault.node}`;
    case 'pause':
      return `pause ${fault.node} ${fault.ms}ms`;
    case 'clock-offset':
      return `clock ${fault.node} offset ${fault.ms}ms`;
    case 'clock-drift':
      return `clock ${fault.node} drift ${fault.ppm}ppm`;
    case 'clock-jump':
      return `clock ${fault.node} jump ${fault.ms}ms`;
    case 'link':
      return `link ${fault.from}→${fault.to} ${JSON.stringify(fault.config)}`;
  }
}

export function applyFault(world: World, fault: Fault): void {
  switch (fault.kind) {
    case 'partition':
      world.network.partition(fault.groups);
      break;
    case 'one-way':
      world.network.blockOneWay(fault.from, fault.to);
      break;
    case 'heal':
      world.network.heal();
      break;
    case 'crash':
      world.crash(fault.node);
      break;
    case 'restart':
      world.restart(fault.node);
      break;
    case 'pause':
      world.pause(fault.node, fault.ms);
      break;
    case 'clock-offset':
      world.clock(fault.node).setOffset(fault.ms);
      break;
    case 'clock-drift':
      world.clock(fault.node).setDriftPpm(fault.ppm);
      break;
    case 'clock-jump':
      world.clock(fault.node).jump(fault.ms);
      break;
    case 'link':
      world.network.configure(fault.from, fault.to, fault.config);
      break;
  }
}

export function applyFaultSchedule(world: World, schedule: FaultSchedule): void {
  for (const step of schedule) {
    world.at(step.at, describeFault(step.fault), () => applyFault(world, step.fault));
  }
}

export type FaultFamily = 'partition' | 'crash' | 'pause' | 'clock' | 'link';

export interface RandomFaultOptions {
  /** Faults start after this time… */
  readonly startMs?: number;
  /** …and stop here: everything is healed, restarted and resumed at `endMs`. */
  readonly endMs: number;
  /** Mean time between faults (exponential). */
  readonly meanIntervalMs: number;
  /** How long a fault lasts before it is undone, at most (uniform from a tenth of it). */
  readonly maxDurationMs: number;
  readonly families?: readonly FaultFamily[];
  /** At most this many nodes down at once (default: a minority). */
  readonly maxDown?: number;
  /** The link config to restore after a link fault (default: the world's default). */
  readonly baseLink?: Partial<LinkConfig>;
}

/**
 * A random schedule from a seeded stream: partitions (random halves, majority/minority, one-way,
 * bridge), crashes with restarts, pauses, clock offsets/drift/jumps, loss/duplication/latency spikes.
 * Ends with a full heal at `endMs` so a final phase can check convergence.
 */
export function randomFaultSchedule(
  rng: Rng,
  nodes: readonly NodeId[],
  options: RandomFaultOptions,
): FaultStep[] {
  const families = options.families ?? ['partition', 'crash', 'pause', 'clock', 'link'];
  if (families.length === 0) return [];
  const maxDown = options.maxDown ?? Math.floor((nodes.length - 1) / 2);
  const steps: FaultStep[] = [];
  const downUntil = new Map<NodeId, number>();
  let time = options.startMs ?? 0;
  const baseLink = options.baseLink ?? {};
  for (;;) {
    time += rng.exponential(options.meanIntervalMs);
    if (time >= options.endMs) break;
    const duration = rng.uniform(options.maxDurationMs / 10, options.maxDurationMs);
    const until = Math.min(time + duration, options.endMs);
    const family = rng.pick(families);
    switch (family) {
      case 'partition': {
        const shuffled = rng.shuffle([...nodes]);
        const shape = rng.int(4);
        if (shape === 0 || shape === 1) {
          // random halves (shape 0) or a minority cut off (shape 1)
          const cut =
            shape === 0
              ? 1 + rng.int(Math.max(1, nodes.length - 1))
              : Math.max(1, Math.floor((nodes.length - 1) / 2));
          steps.push({
            at: time,
            fault: { kind: 'partition', groups: [shuffled.slice(0, cut), shuffled.slice(cut)] },
          });
        } else if (shape === 2 && nodes.length >= 2) {
          steps.push({
            at: time,
            fault: { kind: 'one-way', from: shuffled[0] as NodeId, to: shuffled[1] as NodeId },
          });
        } else {
          // bridge: one node in both halves
          const bridge = shuffled[0] as NodeId;
          const rest = shuffled.slice(1);
          const half = Math.ceil(rest.length / 2);
          steps.push({
            at: time,
            fault: {
              kind: 'partition',
              groups: [
                [bridge, ...rest.slice(0, half)],
                [bridge, ...rest.slice(half)],
              ],
            },
          });
        }
        steps.push({ at: until, fault: { kind: 'heal' } });
        break;
      }
      case 'crash': {
        const down = [...downUntil.values()].filter((t) => t > time).length;
        const candidates = nodes.filter((n) => (downUntil.get(n) ?? 0) <= time);
        if (down >= maxDown || candidates.length === 0) break;
        const node = rng.pick(candidates);
        downUntil.set(node, until);
        steps.push({ at: time, fault: { kind: 'crash', node } });
        steps.push({ at: until, fault: { kind: 'restart', node } });
        break;
      }
      case 'pause': {
        const node = rng.pick(nodes);
        steps.push({ at: time, fault: { kind: 'pause', node, ms: until - time } });
        break;
      }
      case 'clock': {
        const node = rng.pick(nodes);
        const which = rng.int(3);
        if (which === 0)
          steps.push({ at: time, fault: { kind: 'clock-offset', node, ms: rng.uniform(-500, 500) } });
        else if (which === 1)
          steps.push({ at: time, fault: { kind: 'clock-drift', node, ppm: rng.uniform(-2000, 2000) } });
        else steps.push({ at: time, fault: { kind: 'clock-jump', node, ms: rng.uniform(-1000, 1000) } });
        break;
      }
      case 'link': {
        const which = rng.int(3);
        const config: Partial<LinkConfig> =
          which === 0
            ? { loss: rng.uniform(0.05, 0.5) }
            : which === 1
              ? { duplicate: rng.uniform(0.05, 0.3) }
              : { latency: { kind: 'long-tail', median: rng.uniform(5, 30), p99: rng.uniform(100, 500) } };
        steps.push({ at: time, fault: { kind: 'link', from: '*', to: '*', config } });
        steps.push({
          at: until,
          fault: { kind: 'link', from: '*', to: '*', config: restoreFor(config, baseLink) },
        });
        break;
      }
    }
  }
  // The final heal: every fault undone, so the system can converge and be checked.
  steps.push({ at: options.endMs, fault: { kind: 'heal' } });
  for (const node of nodes) {
    steps.push({ at: options.endMs, fault: { kind: 'restart', node } });
    steps.push({ at: options.endMs, fault: { kind: 'clock-drift', node, ppm: 0 } });
  }
  steps.push({
    at: options.endMs,
    fault: { kind: 'link', from: '*', to: '*', config: { loss: 0, duplicate: 0, ...baseLink } },
  });
  return steps.sort((a, b) => a.at - b.at);
}

function restoreFor(config: Partial<LinkConfig>, base: Partial<LinkConfig>): Partial<LinkConfig> {
  const restored: { -readonly [K in keyof LinkConfig]?: LinkConfig[K] } = {};
  if (config.loss !== undefined) restored.loss = base.loss ?? 0;
  if (config.duplicate !== undefined) restored.duplicate = base.duplicate ?? 0;
  if (config.latency !== undefined) restored.latency = base.latency ?? { kind: 'uniform', min: 1, max: 3 };
  return restored;
}

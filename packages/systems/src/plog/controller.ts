/**
 * The controller: brokers register by heartbeat; one that misses its session is fenced, leaves every
 * ISR it is in (unless it is the last member) and loses its leaderships to an in-sync replica — or,
 * with unclean election on, to any live replica when no in-sync one is left. It accepts the leaders'
 * ISR changes, serves metadata and producer ids, and hosts the group coordinator. Kafka runs this as a
 * Raft quorum (KRaft); here it is one node that the nemesis does not crash (README).
 */
import type { Env, NodeId, SimNode } from '@dslab/sim';
import { GroupCoordinator, type CoordinatorConfig, type GroupSnapshot } from './coordinator';
import {
  partitionId,
  type PartitionId,
  type PartitionState,
  type PlogMessage,
  type TopicConfig,
} from './messages';

export interface ControllerConfig {
  readonly brokers: readonly NodeId[];
  readonly topics: readonly TopicConfig[];
  readonly sessionMs: number;
  readonly uncleanElection: boolean;
  readonly groups: CoordinatorConfig;
}

const TICK_MS = 20;
const RESYNC_MS = 300;

interface BrokerState {
  lastHeartbeat: number;
  incarnation: number;
  fenced: boolean;
  lastSync: number;
}

export interface ControllerSnapshot {
  readonly partitions: readonly PartitionState[];
  readonly fenced: readonly string[];
  readonly groups: readonly GroupSnapshot[];
  readonly elections: number;
  readonly uncleanElections: number;
}

export class Controller implements SimNode<PlogMessage> {
  private readonly topics = new Map<string, TopicConfig>();
  private readonly partitions = new Map<PartitionId, PartitionState>();
  private readonly brokers = new Map<NodeId, BrokerState>();
  private nextProducerId = 1;
  readonly coordinator: GroupCoordinator;
  elections = 0;
  uncleanElections = 0;
  constructor(
    private readonly env: Env<PlogMessage>,
    private readonly config: ControllerConfig,
  ) {
    for (const id of config.brokers)
      this.brokers.set(id, { lastHeartbeat: -Infinity, incarnation: 0, fenced: true, lastSync: -Infinity });
    config.topics.forEach((topic, t) => this.createTopic(topic, t));
    this.coordinator = new GroupCoordinator(
      config.groups,
      (to, msg) => env.send(to, msg),
      (topic) => this.partitionIds(topic),
    );
    this.tick();
  }

  private createTopic(topic: TopicConfig, shift: number): void {
    const brokers = this.config.brokers;
    if (topic.replication > brokers.length)
      throw new Error(`topic ${topic.name}: replication ${topic.replication} > ${brokers.length} brokers`);
    const old = this.topics.get(topic.name)?.partitions ?? 0;
    this.topics.set(topic.name, topic);
    for (let p = old; p < topic.partitions; p++) {
      const replicas = Array.from(
        { length: topic.replication },
        (_, j) => brokers[(p + j + shift) % brokers.length] as NodeId,
      );
      const id = partitionId(topic.name, p);
      this.partitions.set(id, { id, replicas, leader: replicas[0], epoch: 0, isr: replicas, version: 0 });
      if (old > 0) this.broadcast(this.partitions.get(id) as PartitionState);
    }
  }

  /** Adds partitions to a topic (existing keys then hash elsewhere). */
  addPartitions(topic: string, partitions: number): void {
    const config = this.topics.get(topic);
    if (!config) throw new Error(`no topic ${topic}`);
    if (partitions <= config.partitions)
      throw new Error(`topic ${topic} has ${config.partitions} partitions already`);
    this.createTopic({ ...config, partitions }, [...this.topics.keys()].indexOf(topic));
  }

  private partitionIds(topic: string): PartitionId[] {
    const config = this.topics.get(topic);
    return config ? Array.from({ length: config.partitions }, (_, p) => partitionId(topic, p)) : [];
  }

  private broadcast(state: PartitionState): void {
    for (const replica of state.replicas) this.env.send(replica, { type: 'leader-and-isr', state });
  }

  private tick(): void {
    const now = this.env.now();
    for (const [id, broker] of this.brokers)
      if (!broker.fenced && now - broker.lastHeartbeat > this.config.sessionMs) {
        broker.fenced = true;
        this.env.trace('fenced', { broker: id });
        this.onFenced(id);
      }
    this.coordinator.tick(now);
    this.env.setTimer(TICK_MS, () => this.tick());
  }

  private update(state: PartitionState): void {
    this.partitions.set(state.id, state);
    this.broadcast(state);
  }

  private electLeader(state: PartitionState): PartitionState {
    const alive = (b: NodeId): boolean => !(this.brokers.get(b) as BrokerState).fenced;
    const clean = state.isr.find(alive);
    if (clean !== undefined) {
      this.elections++;
      return { ...state, leader: clean, epoch: state.epoch + 1, version: state.version + 1 };
    }
    const unclean = this.config.uncleanElection ? state.replicas.find(alive) : undefined;
    if (unclean !== undefined) {
      this.elections++;
      this.uncleanElections++;
      this.env.trace('unclean-election', { partition: state.id, leader: unclean });
      return {
        ...state,
        leader: unclean,
        isr: [unclean],
        epoch: state.epoch + 1,
        version: state.version + 1,
      };
    }
    return state.leader === undefined
      ? state
      : { ...state, leader: undefined, epoch: state.epoch + 1, version: state.version + 1 };
  }

  private onFenced(broker: NodeId): void {
    for (const state of this.partitions.values()) {
      if (!state.replicas.includes(broker)) continue;
      let next = state;
      if (state.isr.includes(broker) && state.isr.length > 1)
        next = { ...next, isr: state.isr.filter((b) => b !== broker), version: state.version + 1 };
      if (state.leader === broker) next = this.electLeader({ ...next, leader: undefined });
      if (next !== state) this.update(next);
    }
  }

  onMessage(from: NodeId, msg: PlogMessage): void {
    const now = this.env.now();
    switch (msg.type) {
      case 'heartbeat': {
        const broker = this.brokers.get(from);
        if (!broker) return;
        broker.lastHeartbeat = now;
        const back = broker.fenced || broker.incarnation !== msg.incarnation;
        broker.fenced = false;
        broker.incarnation = msg.incarnation;
        // Decisions can be lost on the way: every so often a broker is sent all of its partitions again
        // (Kafka's brokers keep fetching the metadata log, which has the same effect).
        if (!back && now - broker.lastSync < RESYNC_MS) return;
        broker.lastSync = now;
        // A broker (re)starting or back from its fence learns every partition it hosts; offline ones it can lead get a leader.
        for (const state of this.partitions.values()) {
          if (!state.replicas.includes(from)) continue;
          if (state.leader === undefined) {
            const elected = this.electLeader(state);
            if (elected.leader !== undefined) {
              this.update(elected);
              continue;
            }
          }
          this.env.send(from, { type: 'leader-and-isr', state });
        }
        return;
      }
      case 'alter-isr': {
        const state = this.partitions.get(msg.id);
        if (!state) return;
        const fencedIn = msg.isr.some((b) => this.brokers.get(b)?.fenced !== false);
        if (
          state.leader !== from ||
          state.epoch !== msg.epoch ||
          state.version !== msg.version ||
          fencedIn ||
          msg.isr.length === 0
        ) {
          this.env.send(from, { type: 'leader-and-isr', state });
          return;
        }
        this.update({ ...state, isr: [...msg.isr], version: state.version + 1 });
        return;
      }
      case 'metadata':
        this.env.send(from, {
          type: 'metadata-reply',
          id: msg.id,
          topics: [...this.topics.values()],
          partitions: [...this.partitions.values()],
        });
        return;
      case 'init-producer':
        this.env.send(from, { type: 'producer-id', id: msg.id, producerId: this.nextProducerId++ });
        return;
      default:
        this.coordinator.onMessage(from, msg, now);
    }
  }

  partition(id: PartitionId): PartitionState | undefined {
    return this.partitions.get(id);
  }

  snapshot(): ControllerSnapshot {
    return {
      partitions: [...this.partitions.values()],
      fenced: [...this.brokers].filter(([, b]) => b.fenced).map(([id]) => id),
      groups: this.coordinator.snapshot(),
      elections: this.elections,
      uncleanElections: this.uncleanElections,
    };
  }
}

/** Builds a partitioned-log world: brokers, the controller, producers and a consumer group, from params and seed. */
import {
  LOG_FINDING_KINDS,
  LogRecorder,
  checkLog,
  type LogCheckResult,
  type LogFindingKind,
} from '@dslab/check';
import { World, type Env, type NodeId, type TraceMode } from '@dslab/sim';
import { z } from 'zod';
import { simpleLink } from '../link-params';
import { Broker } from './broker';
import { Consumer, type ConsumerConfig } from './consumer';
import { Controller } from './controller';
import type { LogRecord } from './log';
import {
  partitionId,
  plogMutants,
  splitPartitionId,
  type PartitionId,
  type PlogMessage,
  type TopicConfig,
} from './messages';
import { Producer, type ProducerConfig } from './producer';
import { TxnCoordinator } from './txn-coordinator';

export const plogParams = z
  .object({
    brokers: z.number().int().min(1).max(9).default(3),
    partitions: z.number().int().min(1).max(64).default(3),
    replication: z.number().int().min(1).max(9).default(3),
    /** min.insync.replicas: acks=all is refused while the ISR is smaller. */
    minInsync: z.number().int().min(1).max(9).default(2),
    uncleanElection: z.boolean().default(false),
    compacted: z.boolean().default(false),
    segmentRecords: z.number().int().min(1).max(1_000_000).default(1_000),
    retentionMs: z.number().positive().default(1e12),
    retentionRecords: z.number().int().positive().default(1e9),
    producers: z.number().int().min(0).max(16).default(2),
    acks: z.union([z.literal(0), z.literal(1), z.literal('all')]).default('all'),
    idempotent: z.boolean().default(true),
    maxInFlight: z.number().int().min(1).max(20).default(5),
    retries: z.number().int().min(1).default(1_000_000),
    requestTimeoutMs: z.number().positive().default(300),
    lingerMs: z.number().min(0).default(5),
    batchRecords: z.number().int().min(1).max(10_000).default(10),
    nullKeys: z.enum(['sticky', 'round-robin']).default('sticky'),
    /** Share of records sent without a key. */
    nullKeyShare: z.number().min(0).max(1).default(0),
    keys: z.number().int().min(1).max(100_000).default(20),
    /** Each producer sends one record every this many ms. */
    sendIntervalMs: z.number().positive().default(4),
    consumers: z.number().int().min(0).max(32).default(2),
    commit: z.enum(['after', 'before']).default('after'),
    protocol: z.enum(['eager', 'cooperative']).default('cooperative'),
    maxPollRecords: z.number().int().min(1).max(10_000).default(50),
    maxPollIntervalMs: z.number().positive().default(3_000),
    processMs: z.number().min(0).default(0.2),
    groupSessionMs: z.number().positive().default(300),
    brokerSessionMs: z.number().positive().default(250),
    replicaLagMs: z.number().positive().default(200),
    latencyMs: z.number().min(0).max(1_000).default(1),
    jitterMs: z.number().min(0).max(1_000).default(2),
    loss: z.number().min(0).max(0.5).default(0),
    durationMs: z.number().positive().max(600_000).default(3_000),
    /** Transactional producers (idempotent too): every `transactionRecords` sends one transaction, `abortShare` of them aborted. */
    transactional: z.boolean().default(false),
    transactionRecords: z.number().int().min(1).max(10_000).default(10),
    abortShare: z.number().min(0).max(1).default(0.3),
    /** transaction.timeout.ms: the coordinator aborts a transaction open longer than this. */
    transactionTimeoutMs: z.number().positive().default(1_000),
    /**
     * Zombie restarts: this many new instances of transactional producers start during the run (spread
     * over its middle), each with the transactional id of an existing one, which keeps running as a zombie.
     */
    zombies: z.number().int().min(0).max(16).default(0),
    isolation: z.enum(['read_uncommitted', 'read_committed']).default('read_uncommitted'),
    mutant: z.enum(plogMutants).optional(),
  })
  .strict();

export type PlogParams = z.infer<typeof plogParams>;

export const TOPIC = 'events';
export const GROUP = 'g';

export interface PlogCluster {
  readonly world: World;
  readonly params: PlogParams;
  readonly brokers: readonly NodeId[];
  readonly controllerId: NodeId;
  /** The transaction coordinator. */
  readonly coordinatorId: NodeId;
  /** Every producer instance, zombie restarts included (the list grows as they start). */
  readonly producers: readonly NodeId[];
  readonly consumers: readonly NodeId[];
  readonly recorder: LogRecorder;
  /** How many times each record value was processed by a consumer. */
  readonly effects: Map<string, number>;
  controller(): Controller;
  coordinator(): TxnCoordinator;
  broker(id: NodeId): Broker;
  producer(id: NodeId): Producer;
  consumer(id: NodeId): Consumer;
  /** Stops the producers' workloads (what is in flight still completes). */
  stopProducers(): void;
}

export interface ClusterOverrides {
  readonly topics?: readonly TopicConfig[];
  /** Replaces each producer's workload. */
  readonly workload?: (producer: NodeId, index: number) => ProducerConfig['next'];
  readonly consumer?: Partial<Pick<ConsumerConfig, 'isPoison' | 'maxRetries' | 'deadLetterTopic' | 'topics'>>;
  /** Called for every record a broker acknowledged to a producer. */
  readonly onAcknowledged?: (value: string) => void;
  /** The topic each producer writes to (the main topic by default). */
  readonly producerTopic?: (index: number) => string;
  /** Called for every record a consumer processes, with the virtual time. */
  readonly onProcessed?: (record: LogRecord, partition: PartitionId, consumer: NodeId, at: number) => void;
  /** Consumers join only at this time (all at once), not at the start. */
  readonly consumersAt?: number;
}

export function buildPlogCluster(
  params: PlogParams,
  seed: number,
  trace: TraceMode = 'hash',
  overrides: ClusterOverrides = {},
): PlogCluster {
  if (params.replication > params.brokers)
    throw new Error(`replication ${params.replication} needs at least as many brokers (${params.brokers})`);
  // Kafka speaks over TCP: each link delivers in send order (loss still drops requests, as a reset connection does).
  const world = new World({ seed, trace, network: { ...simpleLink(params), fifo: true } });
  const brokers = Array.from({ length: params.brokers }, (_, i) => `b${i + 1}`);
  const producers = Array.from({ length: params.producers }, (_, i) => `p${i + 1}`);
  const consumers = Array.from({ length: params.consumers }, (_, i) => `c${i + 1}`);
  const controllerId = 'ctl';
  const coordinatorId = 'txc';
  const recorder = new LogRecorder();
  const effects = new Map<string, number>();
  const topics: readonly TopicConfig[] = overrides.topics ?? [
    {
      name: TOPIC,
      partitions: params.partitions,
      replication: params.replication,
      compacted: params.compacted,
    },
  ];
  let stopped = false;
  world.addNode(
    controllerId,
    (env: Env<PlogMessage>) =>
      new Controller(env, {
        brokers,
        topics,
        sessionMs: params.brokerSessionMs,
        uncleanElection: params.uncleanElection,
        groups: {
          sessionMs: params.groupSessionMs,
          rebalanceTimeoutMs: Math.min(params.maxPollIntervalMs, 1_000),
          protocol: params.protocol,
          ...(params.mutant ? { mutant: params.mutant } : {}),
          onCommit: (group, member, partition, offset) => {
            const { topic, partition: index } = splitPartitionId(partition);
            recorder.commit(group, topic, index, offset, member);
          },
        },
      }),
  );
  world.addNode(
    coordinatorId,
    (env: Env<PlogMessage>) =>
      new TxnCoordinator(env, {
        controller: controllerId,
        transactionTimeoutMs: params.transactionTimeoutMs,
      }),
  );
  for (const id of brokers)
    world.addNode(
      id,
      (env: Env<PlogMessage>) =>
        new Broker(env, {
          controller: controllerId,
          minInsync: params.minInsync,
          replicaLagMs: params.replicaLagMs,
          segmentRecords: params.segmentRecords,
          retention: { retentionMs: params.retentionMs, retentionRecords: params.retentionRecords },
          compaction: { minCleanableRatio: 0.5, deleteRetentionMs: 500 },
          compacted: topics.filter((t) => t.compacted).map((t) => t.name),
          ...(params.mutant ? { mutant: params.mutant } : {}),
        }),
    );
  // Record values are unique over the run (the checker's identity), across producer restarts too.
  let counter = 0;
  const startProducer = (id: NodeId, index: number): void => {
    const next: ProducerConfig['next'] =
      overrides.workload?.(id, index) ??
      ((random) => {
        const key = random() < params.nullKeyShare ? null : `k${Math.floor(random() * params.keys)}`;
        return { key, value: `${id}-${++counter}` };
      });
    world.addNode(
      id,
      (env: Env<PlogMessage>) =>
        new Producer(env, {
          controller: controllerId,
          topic: overrides.producerTopic?.(index) ?? TOPIC,
          acks: params.acks,
          idempotent: params.idempotent || params.transactional,
          ...(params.transactional
            ? {
                transaction: {
                  records: params.transactionRecords,
                  abortShare: params.abortShare,
                  transactionalId: `t${index + 1}`,
                  coordinator: coordinatorId,
                },
              }
            : {}),
          maxInFlight: params.maxInFlight,
          retries: params.retries,
          requestTimeoutMs: params.requestTimeoutMs,
          retryBackoffMs: 20,
          lingerMs: params.lingerMs,
          batchRecords: params.batchRecords,
          nullKeys: params.nullKeys,
          recorder,
          intervalMs: params.sendIntervalMs,
          ...(overrides.onAcknowledged ? { onAcknowledged: overrides.onAcknowledged } : {}),
          next: (random) => (stopped ? undefined : next(random)),
        }),
    );
  };
  producers.forEach(startProducer);
  // Zombie restarts: a new instance takes over a transactional id while the old one runs on, unaware.
  if (params.transactional && params.producers > 0)
    for (let k = 0; k < params.zombies; k++) {
      const index = k % params.producers;
      const id = `${producers[index]}z${k + 1}`;
      world.at(
        params.durationMs * (0.25 + (0.5 * k) / Math.max(1, params.zombies)),
        `zombie restart ${id}`,
        () => {
          producers.push(id);
          startProducer(id, index);
          world.start();
        },
      );
    }
  const startConsumer = (id: NodeId): void =>
    world.addNode(
      id,
      (env: Env<PlogMessage>) =>
        new Consumer(env, {
          controller: controllerId,
          group: GROUP,
          topics: overrides.consumer?.topics ?? [TOPIC],
          maxPollRecords: params.maxPollRecords,
          maxPollIntervalMs: params.maxPollIntervalMs,
          processMs: params.processMs,
          commit: params.commit,
          isolation: params.isolation,
          recorder,
          onProcessed: (record: LogRecord, partition: PartitionId, consumer: NodeId) => {
            if (record.value !== null) effects.set(record.value, (effects.get(record.value) ?? 0) + 1);
            overrides.onProcessed?.(record, partition, consumer, world.now());
          },
          maxRetries: overrides.consumer?.maxRetries ?? 3,
          ...(overrides.consumer?.isPoison ? { isPoison: overrides.consumer.isPoison } : {}),
          ...(overrides.consumer?.deadLetterTopic
            ? { deadLetterTopic: overrides.consumer.deadLetterTopic }
            : {}),
          ...(params.mutant ? { mutant: params.mutant } : {}),
        }),
    );
  if (overrides.consumersAt === undefined) for (const id of consumers) startConsumer(id);
  else
    world.at(overrides.consumersAt, 'consumers join', () => {
      consumers.forEach(startConsumer);
      world.start();
    });
  return {
    world,
    params,
    brokers,
    controllerId,
    coordinatorId,
    producers,
    consumers,
    recorder,
    effects,
    controller: () => world.node<Controller>(controllerId),
    coordinator: () => world.node<TxnCoordinator>(coordinatorId),
    broker: (id) => world.node<Broker>(id),
    producer: (id) => world.node<Producer>(id),
    consumer: (id) => world.node<Consumer>(id),
    stopProducers: () => {
      stopped = true;
    },
  };
}

/** Every partition of the topic: the leader's high watermark and the group's committed offset. */
export function partitionProgress(
  cluster: PlogCluster,
  topic = TOPIC,
): { id: PartitionId; highWatermark: number; logEnd: number; committed: number }[] {
  const controller = cluster.controller();
  const out: { id: PartitionId; highWatermark: number; logEnd: number; committed: number }[] = [];
  for (const state of controller.snapshot().partitions) {
    if (!state.id.startsWith(topic + '/')) continue;
    const leader = state.leader;
    const replica =
      leader !== undefined && cluster.world.isUp(leader)
        ? cluster
            .broker(leader)
            .snapshot()
            .find((r) => r.id === state.id)
        : undefined;
    out.push({
      id: state.id,
      highWatermark: replica?.highWatermark ?? -1,
      logEnd: replica?.logEnd ?? -1,
      committed: controller.coordinator.committed(GROUP, state.id) ?? 0,
    });
  }
  return out;
}

/** Stops the producers and runs until they are idle and the group has committed every partition to its end. */
export function drainCluster(cluster: PlogCluster, maxMs: number): boolean {
  cluster.stopProducers();
  const { world } = cluster;
  const producersIdle = (): boolean =>
    cluster.producers.every((id) => !world.isUp(id) || world.node<Producer>(id).idle);
  const drained = (): boolean => {
    if (!producersIdle()) return false;
    if (cluster.consumers.length === 0) return true;
    return partitionProgress(cluster).every(
      (p) => p.highWatermark >= 0 && p.highWatermark === p.logEnd && p.committed >= p.logEnd,
    );
  };
  return world.runUntilCondition(drained, maxMs);
}

/** The log checker's verdict on the run's history; `drained` once every partition was read to its end. */
export function checkRun(cluster: PlogCluster, drained = true): LogCheckResult {
  // A compacted topic loses superseded records by design: gaps there are not findings.
  const gapsAllowed = cluster.params.compacted ? [TOPIC] : [];
  return checkLog(cluster.recorder.history(), { drained, gapsAllowed });
}

export function firstFinding(result: LogCheckResult): string | undefined {
  if (result.valid) return undefined;
  const first = result.findings[0];
  const counts = Object.entries(result.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  return `${counts}; first: ${first?.kind}: ${first?.message}`;
}

/** The findings of the given kinds, summed up with the first one; undefined when there are none. */
export function findingOf(result: LogCheckResult, kinds: readonly LogFindingKind[]): string | undefined {
  const counts = kinds.filter((k) => result.counts[k] > 0).map((k) => `${result.counts[k]} ${k}`);
  if (counts.length === 0) return undefined;
  const first = result.findings.find((f) => kinds.includes(f.kind));
  return `${counts.join(', ')}; first: ${first?.kind}: ${first?.message}`;
}

/** Every finding kind but the two the fuzzer checks on their own. */
export const LOG_KINDS_REST: readonly LogFindingKind[] = LOG_FINDING_KINDS.filter(
  (k) => k !== 'aborted-read' && k !== 'commit-backwards',
);

const finalVerdicts = new WeakMap<PlogCluster, LogCheckResult>();

/** The drained run's verdict, computed once for the fuzzer's several final checks. */
export function finalVerdict(cluster: PlogCluster): LogCheckResult {
  let result = finalVerdicts.get(cluster);
  if (!result) finalVerdicts.set(cluster, (result = checkRun(cluster)));
  return result;
}

export { partitionId };

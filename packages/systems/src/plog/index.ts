/** A Kafka-style partitioned log: replicated partitions, acks, ISR and high watermark, idempotent and transactional producers, consumer groups (catalog G1). */
import { Rng } from '@dslab/sim';
import type { LiveNodeView, SystemDefinition } from '../contract';
import { simulatedSystem, standardNemesis, type SimulationSpec } from '../kit';
import {
  buildPlogCluster,
  LOG_KINDS_REST,
  checkRun,
  drainCluster,
  finalVerdict,
  findingOf,
  firstFinding,
  partitionProgress,
  plogParams,
  type PlogCluster,
  type PlogParams,
} from './cluster';
import { plogScenarios } from './scenarios';
import { plogDetail } from './view-detail';

/** How long a healed cluster gets to deliver and consume everything in flight. */
export const DRAIN_MS = 15_000;

function nodeCards(cluster: PlogCluster): LiveNodeView[] {
  const { world } = cluster;
  const card = (id: string, role: string, facts: Record<string, string | number>): LiveNodeView => ({
    id,
    up: world.isUp(id),
    paused: world.isPaused(id),
    role: world.isUp(id) ? role : 'crashed',
    facts: world.isUp(id) ? facts : {},
  });
  const controller = cluster.controller().snapshot();
  return [
    card(cluster.controllerId, 'controller', {
      elections: controller.elections,
      fenced: controller.fenced.join(',') || '—',
    }),
    ...cluster.brokers.map((id) => {
      const replicas = world.isUp(id) ? cluster.broker(id).snapshot() : [];
      return card(id, 'broker', {
        leads:
          replicas
            .filter((r) => r.role === 'leader')
            .map((r) => r.id)
            .join(' ') || '—',
        records: replicas.reduce((n, r) => n + r.records, 0),
      });
    }),
    ...cluster.producers.map((id) =>
      card(id, 'producer', world.isUp(id) ? { ...cluster.producer(id).stats } : {}),
    ),
    ...cluster.consumers
      .filter((id) => world.nodeIds().includes(id))
      .map((id) =>
        card(
          id,
          'consumer',
          world.isUp(id)
            ? {
                processed: cluster.consumer(id).stats.processed,
                partitions: cluster.consumer(id).assigned().join(' ') || 'idle',
              }
            : {},
        ),
      ),
  ];
}

function metrics(cluster: PlogCluster): Record<string, number> {
  const progress = partitionProgress(cluster);
  let lag = 0;
  for (const p of progress) if (p.highWatermark >= 0) lag += Math.max(0, p.highWatermark - p.committed);
  const controller = cluster.controller().snapshot();
  return {
    operations: cluster.recorder.size,
    records: progress.reduce((n, p) => n + Math.max(0, p.logEnd), 0),
    lag,
    elections: controller.elections,
    rebalances: controller.groups.reduce((n, g) => n + g.rebalances, 0),
    messages: cluster.world.stats.sent,
  };
}

export const plogSimulation: SimulationSpec<PlogParams, PlogCluster> = {
  systemId: 'plog',
  build: (params, seed, trace) => buildPlogCluster(params, seed, trace),
  durationMs: (params) => params.durationMs,
  metrics,
  nodes: nodeCards,
  detail: plogDetail,
  // Mid-run, consumers have not read everything yet: only what a later read passed over counts as lost.
  liveChecks: (cluster) => ({ log: firstFinding(checkRun(cluster, false)) }),
  fuzz: {
    // Each mutant's first catching seed, measured with `dslab fuzz plog --mutant <name> --stop-on-first` and pinned.
    mutants: [
      {
        name: 'ack-before-isr',
        breaks:
          'the leader acknowledges an acks=all write as soon as it has it, before the in-sync replicas do',
        seed: 5,
        caughtBy: 'log',
      },
      {
        name: 'forget-sequences-on-restart',
        breaks: "a restarted broker does not rebuild its idempotent producers' sequence numbers from its log",
        seed: 23,
        caughtBy: 'log',
      },
      {
        name: 'commit-before-processing',
        breaks:
          'a consumer that claims at-least-once commits a poll’s offsets before it processes the records',
        seed: 5,
        caughtBy: 'log',
      },
      {
        name: 'no-epoch-fencing',
        breaks:
          "brokers take a transactional batch of an older producer epoch: a zombie's (or a timed-out transaction's) records land after the abort marker",
        seed: 0,
        caughtBy: 'aborted-read',
      },
      {
        name: 'marker-before-replication',
        breaks: 'a leader acknowledges a commit or abort marker before the in-sync replicas have it',
        seed: 11,
        caughtBy: 'aborted-read',
      },
      {
        name: 'read-committed-returns-aborted',
        breaks: "a read_committed fetch forgets the aborted transactions' index and returns their records",
        seed: 0,
        caughtBy: 'aborted-read',
      },
      {
        name: 'accept-stale-commits',
        breaks:
          'the group coordinator takes an offset commit from a member of an older generation that no longer owns the partition',
        seed: 48,
        caughtBy: 'commit-backwards',
      },
    ],
    params: (seed, mutant) => {
      const rng = new Rng(seed).fork('plog-params');
      const common = {
        partitions: 2 + rng.int(3),
        consumers: 1 + rng.int(3),
        protocol: rng.chance(0.5) ? 'eager' : 'cooperative',
        maxInFlight: 1 + rng.int(5),
        processMs: mutant === 'commit-before-processing' ? 1 : 0.2,
        durationMs: 2_500,
        requestTimeoutMs: 200,
        ...(mutant ? { mutant } : {}),
      };
      // Two seeds in three run transactions: producers with transactional ids (some taken over by a new
      // instance while the old one runs on), a quarter of the transactions aborted, timeouts short enough
      // for the nemesis's pauses to trip them, and read_committed consumers.
      const rngTxn = new Rng(seed).fork('plog-transactions');
      if (!rngTxn.chance(2 / 3)) return plogParams.parse(common);
      return plogParams.parse({
        ...common,
        producers: 2 + rngTxn.int(2),
        transactional: true,
        transactionRecords: 3 + rngTxn.int(10),
        abortShare: 0.25,
        transactionTimeoutMs: 250 + rngTxn.int(500),
        zombies: rngTxn.int(3),
        isolation: 'read_committed',
      });
    },
    // The controller stands for Kafka's KRaft quorum and is not faulted (README); brokers, clients and the
    // transaction coordinator (its state on its disk, as Kafka's in its transaction log) are.
    nemesis: (cluster, seed, params) =>
      standardNemesis(
        cluster.world,
        seed,
        [...cluster.brokers, ...cluster.producers, ...cluster.consumers, cluster.coordinatorId],
        {
          startMs: 200,
          endMs: params.durationMs - 300,
          meanIntervalMs: 250,
          maxDurationMs: 500,
          families: ['partition', 'crash', 'pause', 'link'],
        },
      ),
    drive: (cluster, params) => {
      cluster.world.runFor(params.durationMs);
      if (drainCluster(cluster, DRAIN_MS)) return undefined;
      const behind = partitionProgress(cluster).filter(
        (p) => p.committed < p.logEnd || p.highWatermark < p.logEnd,
      );
      return `not drained ${DRAIN_MS} ms after the heal: ${behind.map((p) => `${p.id} hw ${p.highWatermark} end ${p.logEnd} committed ${p.committed}`).join('; ') || 'producers still busy'}`;
    },
    // The log checker's verdict, split so a mutant names the finding it must cause: aborted reads and
    // commits going backwards first, every other finding under `log`.
    finalChecks: [
      { name: 'aborted-read', check: (cluster) => findingOf(finalVerdict(cluster), ['aborted-read']) },
      {
        name: 'commit-backwards',
        check: (cluster) => findingOf(finalVerdict(cluster), ['commit-backwards']),
      },
      { name: 'log', check: (cluster) => findingOf(finalVerdict(cluster), LOG_KINDS_REST) },
    ],
  },
};

export const plogSystem: SystemDefinition<PlogParams> = {
  id: 'plog',
  title: 'Partitioned log (Kafka style): replication, acks, idempotent producers, consumer groups',
  rows: ['G1'],
  summary:
    'Topics split into partitions, each replicated on brokers with a leader, in-sync replicas and a high watermark; ' +
    'producers hash keys to partitions with murmur2 as the Java client does, batch, retry and (idempotent) number ' +
    'their batches; consumer groups share partitions, rebalance eagerly or cooperatively and commit offsets before ' +
    'or after processing. Transactions fence zombies by producer epoch and replicate their markers before they count; ' +
    'read_committed consumers stop at the last stable offset. Every send, poll and commit is recorded and judged by the log checker.',
  params: plogParams,
  scenarios: plogScenarios,
  view: 'plog',
  ...simulatedSystem(plogSimulation),
};

/** Exactly-once effects (catalog G2): idempotent consumers, idempotency keys, the transactional outbox. */
import type { LiveNodeView, SystemDefinition } from '../contract';
import { simulatedSystem, standardNemesis, type SimulationSpec } from '../kit';
import { DB } from '../mvcc/cluster';
import { buildOutboxWorld, NO_PHANTOMS, outboxParams, type OutboxCluster, type OutboxParams } from './live';
import { OUTBOX } from './outbox';
import { judgeDelivery } from './outbox-runs';
import { outboxScenarios } from './scenarios';
import { outboxDetail, outboxFacts } from './view-detail';

export { buildOutboxWorld, outboxParams, type OutboxCluster, type OutboxParams } from './live';
export type { OutboxLiveDetail, OutboxRowDetail } from './view-detail';
export { runDelivery, faultPlan, type DeliveryOutcome, type DeliveryOptions } from './delivery';
export { runRelays, runDualWrite, runOrderRequests, judgeDelivery } from './outbox-runs';
export { runRequests } from './request-runs';

function nodeCards(cluster: OutboxCluster): LiveNodeView[] {
  const { world } = cluster;
  const facts = outboxFacts(cluster);
  const cards: LiveNodeView[] = [
    {
      id: DB,
      up: world.isUp(DB),
      paused: world.isPaused(DB),
      role: 'PostgreSQL-like engine',
      facts: { 'outbox rows committed': facts.committed },
    },
  ];
  for (const id of cluster.db.clients)
    cards.push({
      id,
      up: world.isUp(id),
      paused: world.isPaused(id),
      role: 'session',
      facts: world.isUp(id) ? { statements: cluster.db.client(id).log.length } : {},
    });
  return cards;
}

export const EVERY_EVENT_PUBLISHED = 'every committed event published';

/** Long enough for the relays to drain what the writers left once the faults are healed. */
const DRAIN_LIMIT_MS = 60_000;

export const outboxSimulation: SimulationSpec<OutboxParams, OutboxCluster> = {
  systemId: 'outbox',
  build: (params, seed, trace) => buildOutboxWorld(params, seed, trace),
  durationMs: (params) => params.durationMs,
  metrics: (cluster) => {
    const f = outboxFacts(cluster);
    return {
      'outbox rows committed': f.committed,
      published: f.published,
      'published twice': f.duplicates,
      'skipped for good': f.skipped,
      'relay crashes': f.relayCrashes,
    };
  },
  nodes: nodeCards,
  detail: outboxDetail,
  fuzz: {
    mutants: [
      {
        name: 'writer-publishes-before-commit',
        breaks:
          'the writer publishes its event itself before COMMIT (a dual write): an order that then rolls back is announced anyway',
        seed: 0,
        caughtBy: NO_PHANTOMS,
      },
      {
        name: 'relay-marks-before-publishing',
        breaks:
          'the polling relay marks a batch published and commits before publishing it: a crash in between loses the batch',
        seed: 0,
        caughtBy: EVERY_EVENT_PUBLISHED,
      },
    ],
    // Polling relays (the tailing relay loses rows by design: the scenarios measure that); seeds vary
    // the number of relays, writers and timing; relays crash between publishing and marking.
    params: (seed, mutant) =>
      outboxParams.parse({
        writers: 2 + (seed % 2),
        writeEveryMs: 20 + (seed % 4) * 10,
        holdMs: 20,
        relay: 'polling',
        relays: 1 + (seed % 2),
        crash: 0.1,
        abort: 0.1,
        durationMs: 1_500,
        ...(mutant ? { mutant } : {}),
      }),
    // Partitions, pauses, clock and link faults between the database and its sessions; no crashes: a
    // crashed session would take its program with it (the relays' own crashes come from the fault plan).
    nemesis: (cluster, seed, params) =>
      standardNemesis(cluster.world, seed, [DB, ...cluster.db.clients], {
        startMs: 100,
        endMs: params.durationMs - 200,
        meanIntervalMs: 200,
        maxDurationMs: 300,
        families: ['partition', 'pause', 'clock', 'link'],
      }),
    drive: (cluster, params) => {
      cluster.world.runFor(params.durationMs);
      const drained = cluster.fleet.runToEnd(DRAIN_LIMIT_MS);
      return drained
        ? undefined
        : `writers and relays still running ${DRAIN_LIMIT_MS} ms after the faults healed`;
    },
    finalChecks: [
      {
        name: EVERY_EVENT_PUBLISHED,
        check: (cluster) => {
          const committed = new Set(
            cluster.db
              .server()
              .engine.committedRows(OUTBOX.name)
              .map((row) => Number(row.id)),
          );
          const verdict = judgeDelivery(committed, cluster.broker.published);
          return verdict.lost === 0
            ? undefined
            : `${verdict.lost} committed outbox rows never published (row ${verdict.examples.lost} first)`;
        },
      },
    ],
  },
  liveChecks: (cluster) => {
    const f = outboxFacts(cluster);
    return {
      'every committed event published':
        f.skipped > 0
          ? `${f.skipped} committed rows are behind the tailing relay and will never be published`
          : undefined,
      'each event published once':
        f.duplicates > 0
          ? `${f.duplicates} events published more than once (relay crashed after publishing)`
          : undefined,
    };
  },
};

export const outboxSystem: SystemDefinition<OutboxParams> = {
  id: 'outbox',
  title: 'Exactly-once effects and the transactional outbox',
  rows: ['G2'],
  summary:
    'Consumers applying a log to a database at most once, at least once, and effectively once (the event id as a ' +
    'key in the effect’s transaction); the study material’s idempotent consumers and producers run as written, ' +
    'each beside its fix; idempotency keys that make a concurrent duplicate wait on the uncommitted key; dual ' +
    'writes against the transactional outbox, its polling (SKIP LOCKED) and tailing relays, and the serial-id bug. ' +
    'All on the MVCC engine, and on real PostgreSQL 15 in the tests (with logical decoding for the CDC relay).',
  params: outboxParams,
  scenarios: outboxScenarios,
  view: 'outbox',
  ...simulatedSystem(outboxSimulation),
};

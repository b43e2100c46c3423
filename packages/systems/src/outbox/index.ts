/** Exactly-once effects (catalog G2): idempotent consumers, idempotency keys, the transactional outbox. */
import type { LiveNodeView, SystemDefinition } from '../contract';
import { simulatedSystem, type SimulationSpec } from '../kit';
import { DB } from '../mvcc/cluster';
import { buildOutboxWorld, outboxParams, type OutboxCluster, type OutboxParams } from './live';
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

/** Consumer-group claims: idle consumers beyond the partition count, max.poll settings, a poison message. */
import type { Scenario } from '../../contract';
import { TOPIC, type PlogCluster } from '../cluster';
import { partitionId } from '../messages';
import { runCluster } from './support';

const consumerStats = (cluster: PlogCluster) =>
  cluster.consumers.map((id) => ({
    id,
    assigned: cluster.consumer(id).assigned(),
    processed: cluster.consumer(id).stats.processed,
  }));

export const idleConsumers: Scenario = {
  id: 'idle-consumers',
  title: 'Consumers beyond the partition count sit idle',
  claim: 'Active consumers in a group never exceed the partition count; extra consumers sit idle.',
  expected: 'holds',
  rows: ['G1'],
  run: ({ seed, quick }) => {
    const partitions = 3;
    const consumers = quick ? 5 : 8;
    const cluster = runCluster({ partitions, consumers, producers: 2, durationMs: 1_500 }, seed, 1_500);
    const stats = consumerStats(cluster);
    const active = stats.filter((c) => c.processed > 0).length;
    const assigned = stats.filter((c) => c.assigned.length > 0).length;
    const idle = stats.filter((c) => c.assigned.length === 0 && c.processed === 0).length;
    const holds = active <= partitions && assigned === partitions && idle === consumers - partitions;
    return {
      observed: holds ? 'holds' : 'fails',
      summary: `${consumers} consumers on ${partitions} partitions: ${assigned} were assigned a partition and ${active} processed records; ${idle} stayed idle for the whole run.`,
      measurements: { partitions, consumers, active, assigned, idle },
      tables: [
        {
          title: 'Consumers',
          columns: ['consumer', 'partitions', 'processed'],
          rows: stats.map((c) => [c.id, c.assigned.join(' ') || 'idle', c.processed]),
        },
      ],
      traceHash: cluster.world.traceHash(),
    };
  },
};

export const maxPollSettings: Scenario = {
  id: 'max-poll-advice',
  title: 'Bigger polls with a shorter deadline cause more rebalances, not fewer',
  claim: 'To avoid rebalances raise max.poll.records and lower max.poll.interval.ms.',
  expected: 'fails',
  corrected:
    'A poll must be processed within max.poll.interval.ms: more records per poll and a shorter interval both make missing it likelier. Lower max.poll.records, raise max.poll.interval.ms, or process asynchronously.',
  rows: ['G1'],
  run: ({ seed, quick }) => {
    const ms = quick ? 2_000 : 6_000;
    // A backlog is waiting when the consumers join; each record takes 2 ms to process.
    const common = {
      partitions: 2,
      consumers: 2,
      producers: 2,
      sendIntervalMs: 2,
      processMs: 2,
      durationMs: ms,
    };
    const advised = runCluster({ ...common, maxPollRecords: 500, maxPollIntervalMs: 300 }, seed, ms, {
      consumersAt: 500,
    });
    const opposite = runCluster({ ...common, maxPollRecords: 50, maxPollIntervalMs: 3_000 }, seed, ms, {
      consumersAt: 500,
    });
    const expiries = (c: PlogCluster) =>
      c.consumers.reduce((n, id) => n + c.consumer(id).stats.pollExpiries, 0);
    const rebalances = (c: PlogCluster) =>
      c
        .controller()
        .snapshot()
        .groups.reduce((n, g) => n + g.rebalances, 0);
    const processed = (c: PlogCluster) =>
      c.consumers.reduce((n, id) => n + c.consumer(id).stats.processed, 0);
    const duplicates = (c: PlogCluster) => [...c.effects.values()].filter((n) => n > 1).length;
    const a = {
      expiries: expiries(advised),
      rebalances: rebalances(advised),
      processed: processed(advised),
      duplicates: duplicates(advised),
    };
    const b = {
      expiries: expiries(opposite),
      rebalances: rebalances(opposite),
      processed: processed(opposite),
      duplicates: duplicates(opposite),
    };
    const fails = a.expiries > 0 && b.expiries === 0 && a.rebalances > b.rebalances;
    return {
      observed: fails ? 'fails' : 'holds',
      summary:
        `max.poll.records 500 with max.poll.interval.ms 300: ${a.expiries} missed poll deadlines, ${a.rebalances} rebalances, ${a.duplicates} records processed twice; ` +
        `max.poll.records 50 with 3,000 ms: ${b.expiries} missed deadlines, ${b.rebalances} rebalances.`,
      measurements: {
        advisedExpiries: a.expiries,
        advisedRebalances: a.rebalances,
        advisedProcessed: a.processed,
        advisedDuplicates: a.duplicates,
        oppositeExpiries: b.expiries,
        oppositeRebalances: b.rebalances,
        oppositeProcessed: b.processed,
      },
      tables: [
        {
          title: 'Two settings, the same backlog (2 ms per record)',
          columns: [
            'max.poll.records',
            'max.poll.interval.ms',
            'missed deadlines',
            'rebalances',
            'processed',
            'processed twice',
          ],
          rows: [
            [500, 300, a.expiries, a.rebalances, a.processed, a.duplicates],
            [50, 3_000, b.expiries, b.rebalances, b.processed, b.duplicates],
          ],
        },
      ],
      ...(fails
        ? {
            counterexample: {
              setting: { maxPollRecords: 500, maxPollIntervalMs: 300 },
              missedDeadlines: a.expiries,
              rebalances: a.rebalances,
            },
          }
        : {}),
    };
  },
};

export const poisonMessage: Scenario = {
  id: 'poison-message',
  title: 'A malformed message blocks its partition unless it is parked on a dead-letter topic',
  claim:
    'One malformed message blocks its partition unless it is skipped or sent to a dead-letter queue; parking it lets later messages overtake it.',
  expected: 'holds',
  rows: ['G1'],
  run: ({ seed, quick }) => {
    const ms = quick ? 1_500 : 3_000;
    const topics = [
      { name: TOPIC, partitions: 2, replication: 3, compacted: false },
      { name: 'events.dlq', partitions: 1, replication: 3, compacted: false },
    ];
    const poison = 'p1-40';
    const params = { partitions: 2, consumers: 1, producers: 1, sendIntervalMs: 2, durationMs: ms };
    const measure = (dlq: boolean) => {
      const processedAt = new Map<string, number>();
      const cluster = runCluster(params, seed, ms, {
        topics,
        consumer: {
          isPoison: (r) => r.value === poison,
          maxRetries: 3,
          ...(dlq ? { deadLetterTopic: 'events.dlq' } : {}),
        },
        onProcessed: (r, p) => processedAt.set(`${p}@${r.offset}`, 1),
      });
      // Where the poison sits, and what was processed after it on its partition and on the other one.
      let where: { partition: number; offset: number } | undefined;
      for (let p = 0; p < 2 && !where; p++) {
        const state = cluster.controller().partition(partitionId(TOPIC, p));
        const log = state?.leader ? (cluster.broker(state.leader).log(TOPIC, p)?.all() ?? []) : [];
        const found = log.find((r) => r.value === poison);
        if (found) where = { partition: p, offset: found.offset };
      }
      let after = 0;
      let other = 0;
      for (const key of processedAt.keys()) {
        const [id, offset] = key.split('@') as [string, string];
        if (where && id === partitionId(TOPIC, where.partition)) {
          if (Number(offset) > where.offset) after++;
        } else if (id.startsWith(TOPIC + '/')) other++;
      }
      const dlqState = cluster.controller().partition(partitionId('events.dlq', 0));
      const parked = dlqState?.leader
        ? (cluster.broker(dlqState.leader).log('events.dlq', 0)?.all().length ?? 0)
        : 0;
      const retries = cluster.consumer('c1').stats.retries;
      return { after, other, parked, retries, found: where !== undefined };
    };
    const blocked = measure(false);
    const parked = measure(true);
    const holds =
      blocked.found && blocked.after === 0 && blocked.other > 0 && parked.after > 0 && parked.parked === 1;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `Without a dead-letter topic the consumer retried the malformed record ${blocked.retries} times and processed ${blocked.after} records after it on its partition (a single-threaded consumer stalls on every partition it owns: ${blocked.other} on the other one, all from before). ` +
        `With one, after 3 retries it was parked (${parked.parked} record on the dead-letter topic) and ${parked.after} later records of its partition overtook it.`,
      measurements: {
        blockedAfter: blocked.after,
        blockedOtherPartition: blocked.other,
        blockedRetries: blocked.retries,
        parkedAfter: parked.after,
        parkedOnDeadLetterTopic: parked.parked,
      },
      tables: [
        {
          columns: [
            'dead-letter topic',
            'retries',
            'processed after it (its partition)',
            'processed (other partition)',
            'parked',
          ],
          rows: [
            ['no', blocked.retries, blocked.after, blocked.other, blocked.parked],
            ['yes', parked.retries, parked.after, parked.other, parked.parked],
          ],
        },
      ],
    };
  },
};

export const groupScenarios: readonly Scenario[] = [idleConsumers, maxPollSettings, poisonMessage];

/** Ordering across topics: one partition of one topic is the only unit of order. */
import type { Scenario } from '../../contract';
import type { TopicConfig } from '../messages';
import { runCluster } from './support';

const TYPES = ['created', 'paid', 'shipped'] as const;

interface Processed {
  readonly type: number;
  readonly at: number;
}

/** Orders for which some event was processed before an event that happened earlier. */
function inversions(processed: Map<string, Processed[]>): {
  orders: number;
  inverted: number;
  example?: string;
} {
  let inverted = 0;
  let example: string | undefined;
  for (const [order, events] of processed) {
    const sorted = [...events].sort((a, b) => a.at - b.at);
    for (let i = 1; i < sorted.length; i++) {
      if ((sorted[i] as Processed).type >= (sorted[i - 1] as Processed).type) continue;
      inverted++;
      example ??= `${order}: ${sorted.map((e) => `${TYPES[e.type]} processed at ${e.at.toFixed(1)} ms`).join(', ')}`;
      break;
    }
  }
  return { orders: processed.size, inverted, ...(example ? { example } : {}) };
}

export const orderAcrossTopics: Scenario = {
  id: 'order-across-topics',
  title: 'One topic per event type loses an order’s event order, even partitioned by order id',
  claim: 'Partition by order_id and an order’s events stay ordered, with one topic per event type.',
  expected: 'fails',
  corrected:
    'Order exists only within one partition of one topic. Put all of an entity’s events in one topic keyed by its id (the event type in the record), or have the consumer reorder.',
  rows: ['G1'],
  run: ({ seed, quick }) => {
    const ms = quick ? 1_000 : 3_000;
    const run = (separateTopics: boolean) => {
      // Three services: an order is paid only once its creation is acknowledged, shipped once its payment is.
      const acknowledged = new Set<string>();
      const nextOrder = [0, 0, 0];
      const processed = new Map<string, Processed[]>();
      const topics: TopicConfig[] = separateTopics
        ? TYPES.map((name) => ({ name, partitions: 3, replication: 3, compacted: false }))
        : [{ name: 'orders', partitions: 3, replication: 3, compacted: false }];
      let filler = 0;
      let createdTicks = 0;
      runCluster(
        { producers: 3, consumers: 2, sendIntervalMs: 2, maxPollRecords: 20, processMs: 3, durationMs: ms },
        seed,
        ms,
        {
          topics,
          producerTopic: (index) => (separateTopics ? TYPES[index] : 'orders') as string,
          consumer: { topics: topics.map((t) => t.name) },
          onAcknowledged: (value) => acknowledged.add(value),
          workload: (_id, type) => () => {
            const order = nextOrder[type] as number;
            // The created topic is the busy one: other traffic (carts, views) shares it, three records to one.
            const busy = type === 0 && createdTicks++ % 4 !== 0;
            const ready = !busy && (type === 0 || acknowledged.has(`${TYPES[type - 1]}:order-${order}`));
            if (!ready) return { key: null, value: `idle:${filler++}` };
            nextOrder[type] = order + 1;
            return { key: `order-${order}`, value: `${TYPES[type]}:order-${order}` };
          },
          onProcessed: (record, _partition, _consumer, at) => {
            const [type, order] = (record.value ?? '').split(':') as [string, string | undefined];
            const t = TYPES.indexOf(type as (typeof TYPES)[number]);
            if (t < 0 || order === undefined) return;
            let list = processed.get(order);
            if (!list) processed.set(order, (list = []));
            list.push({ type: t, at });
          },
        },
      );
      return inversions(processed);
    };
    const separate = run(true);
    const single = run(false);
    const fails = separate.inverted > 0 && single.inverted === 0;
    return {
      observed: fails ? 'fails' : 'holds',
      summary:
        `Three topics (created, paid, shipped), each partitioned by order id: ${separate.inverted} of ${separate.orders} orders had an event processed before one that happened earlier. ` +
        `One topic keyed by order id: ${single.inverted} of ${single.orders}.`,
      measurements: {
        separateOrders: separate.orders,
        separateInverted: separate.inverted,
        singleOrders: single.orders,
        singleInverted: single.inverted,
      },
      ...(separate.example ? { counterexample: separate.example } : {}),
    };
  },
};

export const topicScenarios: readonly Scenario[] = [orderAcrossTopics];

/**
 * Sustained overload (arrivals at 1.5× capacity) against four servers: an unbounded queue, a bounded one
 * that refuses at the bound, a bounded one whose producer blocks on credits, and one whose producer slows
 * down on the queue depth the replies report.
 */
import type { Scenario } from '../../contract';
import type { BackpressureParams } from '../cluster';
import { goodput, quantile } from '../ledger';
import { hashOf, meanDepth, rows, round, runFor } from './common';

const variants: readonly { readonly name: string; readonly params: Partial<BackpressureParams> }[] = [
  { name: 'unbounded queue', params: { overflow: 'unbounded' } },
  { name: 'bounded 20, refuse when full', params: { overflow: 'refuse', queueBound: 20 } },
  {
    name: 'bounded 20, producer blocks (credits)',
    params: { overflow: 'refuse', queueBound: 20, flow: 'credits' },
  },
  {
    name: 'bounded 20, producer slows on depth signal',
    params: { overflow: 'refuse', queueBound: 20, flow: 'depth-signal', signalDepth: 5 },
  },
];

export const boundedQueues: Scenario = {
  id: 'bounded-queues-bound-latency',
  title: 'Bounded queues with backpressure keep latency bounded; unbounded ones hide the overload',
  claim: 'Bounded queues with backpressure keep latency bounded where unbounded buffers hide overload.',
  expected: 'holds',
  rows,
  run: ({ seed, quick }) => {
    const durationMs = quick ? 9_000 : 30_000;
    const third = durationMs / 3;
    const table: (string | number)[][] = [];
    const measurements: Record<string, number> = {};
    const clusters = [];
    const growth = new Map<string, number>();
    for (const variant of variants) {
      const cluster = runFor(
        {
          rate: 150,
          serviceMs: 10,
          workers: 1,
          maxAttempts: 1,
          timeoutMs: 600_000,
          durationMs,
          ...variant.params,
        },
        seed,
      );
      clusters.push(cluster);
      const { ledger } = cluster;
      // Latency of requests served in the second and the last third (the first holds the warm-up).
      const bins = ledger.bins;
      const latencyOf = (from: number, to: number) => {
        let sum = 0;
        let n = 0;
        let max = 0;
        for (const b of bins)
          if (b.start >= from && b.start < to) {
            sum += b.latencySum;
            n += b.servedHigh + b.servedLow;
            max = Math.max(max, b.latencyMax);
          }
        return { mean: n > 0 ? sum / n : 0, max };
      };
      const middle = latencyOf(third, 2 * third);
      const last = latencyOf(2 * third, durationMs);
      growth.set(variant.name, last.mean / middle.mean);
      const served = goodput(ledger.between(1_000, durationMs));
      const t = ledger.totals;
      measurements[`mean latency last third ms (${variant.name})`] = round(last.mean, 1);
      measurements[`p99 latency ms (${variant.name})`] = round(quantile(ledger.latencies, 0.99), 1);
      table.push([
        variant.name,
        round(middle.mean, 1),
        round(last.mean, 1),
        round(quantile(ledger.latencies, 0.99), 1),
        round(meanDepth(ledger.between(2 * third, durationMs)), 1),
        round(served, 1),
        t.failedBy.full,
        round(t.blockedMs / durationMs, 2),
        t.offered,
      ]);
    }
    const unbounded = growth.get('unbounded queue') ?? 0;
    // What a bound of 20 allows: a request that finds the queue full waits for 20 services and its own,
    // 210 ms on average, plus a network round trip. Bounded means the last third's mean latency stays
    // under that with 25 % to spare for sampling noise (a mean of a few hundred such sums varies by a few
    // per cent); the unbounded queue must exceed it and still be growing (last third over 1.25× the middle).
    const allowed = 1.25 * ((20 + 1) * 10 + 2 * 2);
    const lastMean = (name: string) => Number(table.find((r) => r[0] === name)?.[2] ?? Infinity);
    const boundedOk = variants.slice(1).every((v) => lastMean(v.name) <= allowed);
    const holds = boundedOk && lastMean('unbounded queue') > allowed && unbounded > 1.25;
    const row = (name: string) => table.find((r) => r[0] === name) ?? [];
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `At 150/s against a capacity of 100/s the unbounded queue's mean latency went from ${row('unbounded queue')[1]} ms ` +
        `(middle third) to ${row('unbounded queue')[2]} ms (last third) and keeps growing, while every request is accepted. ` +
        `Bounded at 20, latency stayed at ${row('bounded 20, refuse when full')[2]} ms (refusing ${row('bounded 20, refuse when full')[6]}), ` +
        `${row('bounded 20, producer blocks (credits)')[2]} ms with the producer blocked ${round(Number(row('bounded 20, producer blocks (credits)')[7]) * 100, 0)} % of the time, ` +
        `and ${row('bounded 20, producer slows on depth signal')[2]} ms with the producer slowing on the depth signal.`,
      measurements: {
        ...measurements,
        'unbounded latency growth': round(unbounded, 2),
        'latency a bound of 20 allows ms': allowed,
      },
      tables: [
        {
          title: 'arrivals 150/s, capacity 100/s, no retries',
          columns: [
            'queue',
            'latency ms, middle third',
            'latency ms, last third',
            'p99 ms',
            'depth, last third',
            'served/s',
            'refused',
            'share of time blocked',
            'requests offered',
          ],
          rows: table,
        },
      ],
      traceHash: hashOf(clusters),
    };
  },
};

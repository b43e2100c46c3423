/** Producer claims: keys remapped by new partitions, retries that reorder, sticky partitioning of null keys. */
import { checkLog, type SendOp } from '@dslab/check';
import type { Scenario } from '../../contract';
import { TOPIC, type PlogCluster } from '../cluster';
import { round, runCluster } from './support';

const acknowledged = (cluster: PlogCluster): SendOp[] =>
  cluster.recorder.history().filter((op): op is SendOp => op.type === 'send' && op.outcome === 'ok');

export const partitionsAdded: Scenario = {
  id: 'partitions-added',
  title: 'Adding partitions remaps keys, and per-key order across the change is lost',
  claim: 'Adding partitions remaps keys: per-key order across the change is lost.',
  expected: 'holds',
  rows: ['G1'],
  run: ({ seed, quick }) => {
    const keys = quick ? 60 : 400;
    const ms = quick ? 1_400 : 3_000;
    const cluster = runCluster({ partitions: 3, producers: 2, consumers: 0, keys, durationMs: ms }, seed, 0);
    // Sends invoked before the change, and after every producer has refreshed its metadata (every 500 ms).
    const marks = { before: 0, after: Infinity };
    cluster.world.at(ms / 2, 'add partitions', () => {
      marks.before = cluster.recorder.size;
      cluster.controller().addPartitions(TOPIC, 6);
    });
    cluster.world.at(ms / 2 + 600, 'metadata refreshed', () => (marks.after = cluster.recorder.size));
    cluster.world.runFor(ms);
    const first = new Map<string, number>();
    const last = new Map<string, number>();
    cluster.recorder.history().forEach((op, index) => {
      if (op.type !== 'send' || op.outcome !== 'ok' || op.key === null || op.partition === undefined) return;
      if (index < marks.before && !first.has(op.key)) first.set(op.key, op.partition);
      if (index >= marks.after) last.set(op.key, op.partition);
    });
    let spanning = 0;
    let moved = 0;
    for (const [key, before] of first) {
      const after = last.get(key);
      if (after === undefined) continue;
      spanning++;
      if (after !== before) moved++;
    }
    const result = checkLog(cluster.recorder.history());
    const crossings = result.findings.filter(
      (f) => f.kind === 'order' && f.message.includes('different partitions'),
    );
    const share = moved / Math.max(1, spanning);
    // murmur2 mod 6 differs from mod 3 for half the hashes: the expected share of keys that move is 1/2.
    // Within three binomial standard deviations of one half, and the checker sees the order broken.
    const tolerance = 3 * Math.sqrt(0.25 / Math.max(1, spanning));
    const holds = moved > 0 && Math.abs(share - 0.5) <= tolerance && result.counts.order > 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary: `Going from 3 to 6 partitions mid-run moved ${moved} of the ${spanning} keys sent on both sides of it (${round(share * 100, 1)} %; murmur2 predicts 50 %) and the checker found ${result.counts.order} pairs of one key's records in two partitions, with no order between them.`,
      measurements: {
        keys: spanning,
        moved,
        movedShare: round(share),
        orderFindings: result.counts.order,
      },
      ...(crossings[0] ? { counterexample: crossings[0] } : {}),
      traceHash: cluster.world.traceHash(),
    };
  },
};

export const retriesReorder: Scenario = {
  id: 'retries-reorder',
  title: 'Retries with several requests in flight reorder a key unless the producer is idempotent',
  claim: 'Same key → same partition → ordered.',
  expected: 'partly',
  corrected:
    'Only while each batch lands first time or one request is in flight: with several in flight, a retried batch lands behind later ones. The idempotent producer (sequence numbers, at most 5 in flight) keeps the order and drops the duplicates.',
  rows: ['G1'],
  run: ({ seed, quick }) => {
    const ms = quick ? 1_200 : 4_000;
    // A lossy network: some produce requests (or their answers) are lost and retried after the timeout;
    // a consumer reads everything, which is how the checker sees records stored twice.
    const common = {
      partitions: 3,
      producers: 2,
      consumers: 1,
      keys: 10,
      loss: 0.03,
      requestTimeoutMs: 50,
      durationMs: ms,
    };
    const judge = (idempotent: boolean) => {
      const cluster = runCluster({ ...common, idempotent, maxInFlight: 5 }, seed, ms);
      const result = checkLog(cluster.recorder.history());
      return {
        order: result.counts.order,
        duplicates: result.counts.duplicate,
        acked: result.stats.sends.ok,
        first: result.findings.find((f) => f.kind === 'order'),
      };
    };
    const plain = judge(false);
    const idempotent = judge(true);
    const partly = plain.order > 0 && idempotent.order === 0 && idempotent.duplicates === 0;
    return {
      observed: partly ? 'partly' : plain.order === 0 ? 'holds' : 'fails',
      summary:
        `With 3 % of messages lost and 5 requests in flight, the plain producer stored ${plain.order} pairs of one key's records out of send order and ${plain.duplicates} records twice (${plain.acked} acknowledged); ` +
        `the idempotent producer: ${idempotent.order} and ${idempotent.duplicates} (${idempotent.acked} acknowledged).`,
      measurements: {
        plainOrderBroken: plain.order,
        plainDuplicates: plain.duplicates,
        idempotentOrderBroken: idempotent.order,
        idempotentDuplicates: idempotent.duplicates,
      },
      ...(plain.first ? { counterexample: plain.first } : {}),
    };
  },
};

export const nullKeySticky: Scenario = {
  id: 'null-key-sticky',
  title: 'A null key does not mean round-robin: the producer fills one partition per batch',
  claim: 'A null key means round-robin.',
  expected: 'fails',
  corrected:
    'Since Kafka 2.4 (KIP-480) the producer sticks to one partition until a batch is sent, then picks another: consecutive null-key records land together, balanced only over many batches.',
  rows: ['G1'],
  run: ({ seed, quick }) => {
    const ms = quick ? 600 : 2_000;
    const measure = (nullKeys: 'sticky' | 'round-robin') => {
      const cluster = runCluster(
        {
          partitions: 6,
          producers: 1,
          consumers: 0,
          nullKeyShare: 1,
          nullKeys,
          sendIntervalMs: 0.5,
          lingerMs: 10,
          batchRecords: 16,
          durationMs: ms,
        },
        seed,
        ms,
      );
      const sends = acknowledged(cluster);
      let runs = 0;
      let previous = -1;
      const counts = new Array<number>(6).fill(0);
      for (const op of sends) {
        const p = op.partition as number;
        counts[p] = (counts[p] as number) + 1;
        if (p !== previous) runs++;
        previous = p;
      }
      const batches = cluster.producer('p1').stats.batches;
      let max = 0;
      let min = Infinity;
      for (const c of counts) {
        if (c > max) max = c;
        if (c < min) min = c;
      }
      return {
        records: sends.length,
        meanRun: sends.length / Math.max(1, runs),
        batches,
        recordsPerBatch: sends.length / Math.max(1, batches),
        spread: max / Math.max(1, min),
      };
    };
    const sticky = measure('sticky');
    const roundRobin = measure('round-robin');
    // Round-robin puts consecutive records on different partitions (runs of 1); sticky keeps a batch together.
    const fails = sticky.meanRun > 2 && roundRobin.meanRun < 1.5;
    return {
      observed: fails ? 'fails' : 'holds',
      summary:
        `Sticky partitioning: ${sticky.records} null-key records landed in runs of ${round(sticky.meanRun, 1)} consecutive records on one partition, ${round(sticky.recordsPerBatch, 1)} records per request. ` +
        `Round-robin: runs of ${round(roundRobin.meanRun, 2)}, ${round(roundRobin.recordsPerBatch, 1)} records per request.`,
      measurements: {
        stickyMeanRun: round(sticky.meanRun, 2),
        stickyRecordsPerBatch: round(sticky.recordsPerBatch, 2),
        stickySpread: round(sticky.spread, 2),
        roundRobinMeanRun: round(roundRobin.meanRun, 2),
        roundRobinRecordsPerBatch: round(roundRobin.recordsPerBatch, 2),
      },
      tables: [
        {
          columns: [
            'null keys',
            'records',
            'mean run on one partition',
            'records per request',
            'busiest / quietest partition',
          ],
          rows: [
            [
              'sticky',
              sticky.records,
              round(sticky.meanRun, 2),
              round(sticky.recordsPerBatch, 2),
              round(sticky.spread, 2),
            ],
            [
              'round-robin',
              roundRobin.records,
              round(roundRobin.meanRun, 2),
              round(roundRobin.recordsPerBatch, 2),
              round(roundRobin.spread, 2),
            ],
          ],
        },
      ],
    };
  },
};

export const producerScenarios: readonly Scenario[] = [partitionsAdded, retriesReorder, nullKeySticky];

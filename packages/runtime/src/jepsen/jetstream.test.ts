// Real NATS JetStream (Debian's nats-server): three servers, an R3 stream, the nemesis on the processes,
// and the log checker on what the clients saw — the producers' sends, the workers' fetches as polls of
// the shared consumer with their confirmed acks, and a final read. Short runs here; `dslab jepsen
// jetstream` runs long ones.
import { describe, expect, it } from 'vitest';
import { LOG_FINDING_KINDS, LOG_INJECTORS, checkLog, type LogOp, type SendOp } from '@dslab/check';
import { Rng } from '@dslab/sim';
import { jetstreamMissing, runJetStreamTest, type JetStreamReport } from './jetstream';
import { jetstreamPromises } from './jetstream-promises';

/** Findings about the consumer's replicated state, which a killed consumer leader can roll back. */
const CONSUMER_STATE_KINDS = new Set<string>([
  'duplicate-delivery',
  'redelivered-after-ack',
  'delivery-order',
]);

const missing = jetstreamMissing();
if (missing !== undefined) console.warn(`skipping JetStream tests: ${missing}`);

/** The figures per fault kind, printed so a run's numbers are on record. */
function figures(report: JetStreamReport): string {
  return JSON.stringify({
    nemesis: report.nemesis,
    maxAckPending: report.maxAckPending,
    ok: report.sends.ok,
    lost: report.acknowledgedLost,
    stored: report.duplicatesStored,
    order: report.orderViolations,
    deliveries: report.check.stats.shared.deliveries,
    undelivered: report.undelivered,
    redeliveries: report.redeliveries,
    duplicateDeliveries: report.duplicateDeliveries,
    redeliveredAfterAck: report.redeliveredAfterAck,
    deliveryOrder: report.deliveryOrderViolations,
    acks: report.acks,
    faults: report.faults.length,
  });
}

function summary(report: JetStreamReport): string {
  return JSON.stringify({
    ...report,
    history: undefined,
    check: report.check.counts,
    faults: report.faults.map((f) => f.detail),
  });
}

/** Two acknowledged sends of one key by one producer, the first invoked first. */
function samePair(history: readonly LogOp[]): [SendOp, SendOp] {
  const first = new Map<string, SendOp>();
  for (const op of history) {
    if (op.type !== 'send' || op.outcome !== 'ok') continue;
    const key = `${op.process}/${op.key}`;
    const earlier = first.get(key);
    if (earlier) return [earlier, op];
    first.set(key, op);
  }
  throw new Error('no producer acknowledged two sends of one key');
}

describe.skipIf(missing !== undefined)('JetStream under the nemesis, judged by the log checker', () => {
  const runs = [
    { nemesis: 'kill', maxAckPending: undefined },
    { nemesis: 'partition', maxAckPending: undefined },
    // One message at a time: JetStream's order promise, judged per key across the workers.
    { nemesis: 'kill', maxAckPending: 1 },
  ] as const;
  for (const { nemesis, maxAckPending } of runs) {
    const name = `${nemesis}${maxAckPending ? `, max_ack_pending ${maxAckPending}` : ''}`;
    it(`${name}: no acknowledged publish lost or stored twice, the group given every message, the whole stream read back`, async () => {
      const report = await runJetStreamTest({
        timeMs: 4_000,
        nemesis,
        producers: maxAckPending === 1 ? 1 : 2,
        workers: 2,
        ...(maxAckPending === 1 ? { maxAckPending, inFlight: 2 } : {}),
      });
      console.log(`jetstream ${figures(report)}`);
      expect(report.faults.length, summary(report)).toBeGreaterThan(0);
      expect(report.sends.ok, summary(report)).toBeGreaterThan(maxAckPending === 1 ? 20 : 100);
      expect(report.finalRead, summary(report)).toBe(report.streamLastSeq);
      expect(report.acknowledgedLost, summary(report)).toBe(0);
      expect(report.duplicatesStored, summary(report)).toBe(0);
      expect(report.orderViolations, summary(report)).toBe(0);
      // Every stored message reached the worker group, judged by the shared-consumer checks.
      expect(report.check.stats.shared.deliveries, summary(report)).toBeGreaterThanOrEqual(report.finalRead);
      expect(report.undelivered, summary(report)).toBe(0);
      // The consumer's replicated state (delivery counts, acks) can roll back when its leader is killed:
      // those findings are measured and printed, not promised either way by a short run; every other
      // kind must be absent, and each finding must name real operations of the history.
      for (const kind of LOG_FINDING_KINDS)
        if (!CONSUMER_STATE_KINDS.has(kind))
          expect(report.check.counts[kind], JSON.stringify(report.check.findings.slice(0, 3))).toBe(0);
      for (const finding of report.check.findings)
        for (const ref of finding.records) expect(report.history[ref.op]?.type).toBe(ref.type);
      for (const promise of jetstreamPromises)
        if (!promise.consumerState) expect(promise.broken(report), promise.promise).not.toBe(true);

      // The same real history, broken in each way, must be caught: the checker is what decides above.
      const history = report.history;
      const [v, o] = samePair(history);
      // Lost: no read returns an acknowledged publish (the workers never get it either).
      const dropped = LOG_INJECTORS.lost(history, new Rng(1)) as LogOp[];
      expect(checkLog(dropped, { drained: true }).counts).toMatchObject({ lost: 1, undelivered: 1 });
      // Stored twice: the victim read again at an offset past the end.
      const twice: LogOp[] = [
        ...history.slice(0, history.length),
        {
          type: 'poll',
          process: 'tamper',
          topic: v.topic,
          partition: 0,
          records: [{ offset: report.streamLastSeq + 1, key: v.key, value: v.value }],
        },
      ];
      expect(checkLog(twice, { drained: true }).counts.duplicate).toBeGreaterThan(0);
      // Order: the producer's two sends of one key acknowledged at each other's offsets.
      const swapped = history.map((op) =>
        op === v ? { ...v, offset: o.offset } : op === o ? { ...o, offset: v.offset } : op,
      );
      const reread = swapped.map((op) =>
        op.type === 'poll'
          ? {
              ...op,
              records: op.records.map((r) =>
                r.value === v.value
                  ? { ...r, offset: o.offset as number }
                  : r.value === o.value
                    ? { ...r, offset: v.offset as number }
                    : r,
              ),
            }
          : op,
      );
      expect(checkLog(reread, { drained: true }).counts.order).toBeGreaterThan(0);
      // The shared consumer's own mutants, on the real history.
      const shared = ['undelivered', 'duplicate-delivery', 'redelivered-after-ack'] as const;
      for (const kind of maxAckPending === 1 ? [...shared, 'delivery-order' as const] : shared) {
        const broken = LOG_INJECTORS[kind](history, new Rng(1));
        expect(broken, kind).toBeDefined();
        expect(checkLog(broken as LogOp[], { drained: true }).counts[kind], kind).toBeGreaterThan(0);
      }
    }, 120_000);
  }
});

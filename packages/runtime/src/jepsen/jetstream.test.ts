// Real NATS JetStream (Debian's nats-server): three servers, an R3 stream, the nemesis on the processes,
// and the log checker on what the clients saw. Short runs here; `dslab jepsen jetstream` runs long ones.
import { describe, expect, it } from 'vitest';
import { checkLog, type LogOp, type SendOp } from '@dslab/check';
import { jetstreamMissing, runJetStreamTest, type JetStreamReport } from './jetstream';
import { jetstreamPromises } from './jetstream-promises';

const missing = jetstreamMissing();
if (missing !== undefined) console.warn(`skipping JetStream tests: ${missing}`);

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
  for (const nemesis of ['kill', 'partition'] as const) {
    it(`${nemesis}: no acknowledged publish lost or stored twice, the whole stream read back`, async () => {
      const report = await runJetStreamTest({ timeMs: 4_000, nemesis, producers: 2, workers: 2 });
      expect(report.faults.length, summary(report)).toBeGreaterThan(0);
      expect(report.sends.ok, summary(report)).toBeGreaterThan(100);
      expect(report.finalRead, summary(report)).toBe(report.streamLastSeq);
      expect(report.acknowledgedLost, summary(report)).toBe(0);
      expect(report.duplicatesStored, summary(report)).toBe(0);
      expect(report.orderViolations, summary(report)).toBe(0);
      expect(report.check.valid, JSON.stringify(report.check.findings.slice(0, 3))).toBe(true);
      for (const promise of jetstreamPromises) expect(promise.broken(report), promise.promise).not.toBe(true);

      // The same real history, broken three ways, must be caught: the checker is what decides above.
      const history = report.history;
      const [v, o] = samePair(history);
      // Lost: the final read never returns the victim.
      const dropped = history.map((op) =>
        op.type === 'poll' ? { ...op, records: op.records.filter((r) => r.value !== v.value) } : op,
      );
      expect(checkLog(dropped, { drained: true }).counts.lost).toBe(1);
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
    }, 90_000);
  }
});

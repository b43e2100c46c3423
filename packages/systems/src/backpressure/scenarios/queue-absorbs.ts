/** A queue absorbs a burst, but not a sustained excess: the backlog then grows at λ − μ. */
import type { Scenario } from '../../contract';
import { goodput, mean, type Bin } from '../ledger';
import { hashOf, meanDepth, meanLatency, rows, round, runFor } from './common';

/** Least-squares slope of the mean depth per bin against time, per second. */
function depthSlope(bins: readonly Bin[]): number {
  const xs = bins.map((b) => b.start / 1_000);
  const ys = bins.map((b) => (b.samples > 0 ? b.depthSum / b.samples : 0));
  const mx = mean(xs);
  const my = mean(ys);
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}

export const queueAbsorbs: Scenario = {
  id: 'queue-absorbs-bursts',
  title: 'A queue absorbs bursts, not a sustained excess',
  claim: '“Put writes on a queue and process them at a sustainable rate.”',
  expected: 'partly',
  corrected:
    'A queue smooths bursts whose average stays below capacity. If arrivals stay above capacity the backlog grows ' +
    'by λ − μ every second and so does the wait, without bound: the queue only delays the overload.',
  rows,
  run: ({ seed, quick }) => {
    const durationMs = quick ? 15_000 : 30_000;
    const common = {
      serviceMs: 10,
      workers: 1,
      overflow: 'unbounded' as const,
      maxAttempts: 1,
      timeoutMs: 600_000,
      durationMs,
    };
    // A burst: 60/s with three times the load for one second.
    const burst = runFor(
      { ...common, rate: 60, triggerAtMs: 2_000, triggerForMs: 1_000, triggerSlowdown: 1, triggerLoad: 3 },
      seed,
    );
    // Sustained: 120/s against a capacity of 100/s.
    const sustained = runFor({ ...common, rate: 120 }, seed);
    const b = burst.ledger;
    const peak = meanDepth(b.between(2_900, 3_100));
    const burstEnd = meanDepth(b.between(durationMs - 1_000, durationMs));
    const burstLatencyEnd = meanLatency(b.between(durationMs - 2_000, durationMs));
    const burstLatencyBefore = meanLatency(b.between(500, 2_000));
    const s = sustained.ledger;
    const third = durationMs / 3;
    const depthEarly = meanDepth(s.between(third - 500, third + 500));
    const depthLate = meanDepth(s.between(durationMs - 1_000, durationMs));
    const growthPerSecond = depthSlope(s.between(1_000, durationMs));
    const served = goodput(s.between(1_000, durationMs));
    const latencyEarly = meanLatency(s.between(third - 500, third + 500));
    const latencyLate = meanLatency(s.between(durationMs - 1_000, durationMs));
    const arrivals = (s.totals.offered * 1_000) / durationMs;
    // λ − μ measured: arrivals per second minus what the server served per second.
    const expectedGrowth = arrivals - served;
    // The burst drained when the queue at the end is back near its level before the burst (an M/M/1 queue
    // at ρ = 0.6 holds 0.9 on average) and the latency with it.
    const before = meanDepth(b.between(500, 2_000));
    const drained = burstEnd <= Math.max(2, 3 * before) && burstLatencyEnd < 2 * burstLatencyBefore;
    const grows =
      depthLate > depthEarly && growthPerSecond > 0.5 * expectedGrowth && latencyLate > 2 * latencyEarly;
    const depths = s.bins.map((bin) => (bin.samples > 0 ? bin.depthSum / bin.samples : 0));
    return {
      observed: drained && grows ? 'partly' : drained ? 'holds' : 'fails',
      summary:
        `A 1 s burst at 3× load (180/s against 100/s) queued ${round(peak, 0)} requests, and the queue was back to ` +
        `${round(burstEnd, 1)} by the end (latency ${round(burstLatencyEnd, 1)} ms, ${round(burstLatencyBefore, 1)} ms before). ` +
        `At a steady ${round(arrivals, 0)}/s against ${round(served, 0)}/s served, the backlog grew by ${round(growthPerSecond, 1)} per ` +
        `second (least squares) (λ − μ = ${round(expectedGrowth, 1)}) to ${round(depthLate, 0)}, and the wait from ${round(latencyEarly, 0)} ms to ${round(latencyLate, 0)} ms.`,
      measurements: {
        'burst peak depth': round(peak, 1),
        'burst depth at end': round(burstEnd, 2),
        'burst latency at end ms': round(burstLatencyEnd, 1),
        'sustained growth per s': round(growthPerSecond, 2),
        'λ − μ per s': round(expectedGrowth, 2),
        'sustained depth at end': round(depthLate, 1),
        'sustained latency early ms': round(latencyEarly, 1),
        'sustained latency late ms': round(latencyLate, 1),
        'mean depth sustained': round(mean(depths), 1),
      },
      tables: [
        {
          columns: ['run', 'depth early', 'depth at end', 'latency early ms', 'latency at end ms'],
          rows: [
            [
              'burst (60/s, 1 s at 180/s)',
              round(peak, 1),
              round(burstEnd, 1),
              round(burstLatencyBefore, 1),
              round(burstLatencyEnd, 1),
            ],
            [
              'sustained 120/s',
              round(depthEarly, 1),
              round(depthLate, 1),
              round(latencyEarly, 1),
              round(latencyLate, 1),
            ],
          ],
        },
      ],
      counterexample: { depthEarly, depthLate, latencyEarly, latencyLate },
      traceHash: hashOf([burst, sustained]),
    };
  },
};

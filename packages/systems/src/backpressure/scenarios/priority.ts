/** Priority shedding: at the bound, a low-priority request makes room for a high-priority one. */
import type { Scenario } from '../../contract';
import { hashOf, rows, round, runFor } from './common';

export const priorityShedding: Scenario = {
  id: 'priority-shedding',
  title: 'Shedding low priority first keeps high-priority requests served under overload',
  claim:
    'Under overload, a queue that sheds low-priority work first serves (nearly) all high-priority requests, ' +
    'where refusing newcomers regardless of priority fails both classes alike.',
  expected: 'holds',
  rows,
  run: ({ seed, quick }) => {
    const durationMs = quick ? 6_000 : 30_000;
    const runs = (['refuse', 'shed-low'] as const).map((overflow) =>
      runFor(
        {
          rate: 200,
          highShare: 0.2,
          serviceMs: 10,
          workers: 1,
          overflow,
          queueBound: 20,
          maxAttempts: 1,
          timeoutMs: 600_000,
          durationMs,
        },
        seed,
        { settleMs: 2_000 },
      ),
    );
    const share = runs.map((c) => {
      const t = c.ledger.totals;
      return {
        high: t.servedHigh / Math.max(1, t.offeredHigh),
        low: t.servedLow / Math.max(1, t.offeredLow),
      };
    });
    const [fifo, shed] = share as [{ high: number; low: number }, { high: number; low: number }];
    const offeredHigh = runs[1]?.ledger.totals.offeredHigh ?? 0;
    // High priority is 40/s against 100/s of capacity: all of it fits. "Nearly all": every shortfall beyond
    // three standard deviations of a binomial share of the offered high-priority count.
    const tolerance = 3 * Math.sqrt(0.25 / Math.max(1, offeredHigh));
    const holds = shed.high >= 1 - tolerance && shed.high > fifo.high + tolerance;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `At 200/s (20 % high priority) against 100/s, refusing at the bound served ${round(fifo.high * 100, 1)} % of high- and ` +
        `${round(fifo.low * 100, 1)} % of low-priority requests; shedding low first served ${round(shed.high * 100, 1)} % of high ` +
        `and ${round(shed.low * 100, 1)} % of low.`,
      measurements: {
        'high served, refuse': round(fifo.high, 4),
        'low served, refuse': round(fifo.low, 4),
        'high served, shed-low': round(shed.high, 4),
        'low served, shed-low': round(shed.low, 4),
        evicted: runs[1]?.ledger.totals.failedBy.evicted ?? 0,
      },
      tables: [
        {
          title: 'share of each class served, queue bound 20',
          columns: ['at the bound', 'high served', 'low served', 'refused', 'evicted'],
          rows: runs.map((c, i) => [
            i === 0 ? 'refuse the newcomer' : 'shed newest low-priority',
            round((share[i]?.high ?? 0) * 100, 1),
            round((share[i]?.low ?? 0) * 100, 1),
            c.ledger.totals.failedBy.full,
            c.ledger.totals.failedBy.evicted,
          ]),
        },
      ],
      traceHash: hashOf(runs),
    };
  },
};

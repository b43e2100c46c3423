/**
 * Metastable overload (Bronson et al., HotOS 2021): a trigger (here the server slowed 3× for a while)
 * pushes latency past the clients' timeout; timed-out clients retry and the server keeps working on
 * requests nobody waits for, so the load stays above capacity after the trigger is gone. Without an
 * amplifier the same system drains; with a retry budget, dropping expired work, or LIFO under overload
 * it recovers even with retries.
 */
import type { Scenario } from '../../contract';
import type { BackpressureParams } from '../cluster';
import { goodput } from '../ledger';
import { countTolerance, hashOf, rows, round, runFor } from './common';

const TRIGGER_AT = 4_000;
const TRIGGER_FOR = 2_000;

const variants: readonly { readonly name: string; readonly params: Partial<BackpressureParams> }[] = [
  { name: 'no retries (no amplifier)', params: { maxAttempts: 1 } },
  { name: 'retries on timeout (amplifier)', params: { maxAttempts: 3 } },
  { name: 'retries + retry budget 10 %', params: { maxAttempts: 3, retryBudget: 0.1 } },
  {
    name: 'retries + server drops work queued past half its timeout',
    params: { maxAttempts: 3, dropExpired: true },
  },
  { name: 'retries + adaptive LIFO', params: { maxAttempts: 3, order: 'adaptive-lifo' } },
];

export const metastable: Scenario = {
  id: 'metastable-overload',
  title: 'Metastable overload: stuck after the trigger is gone, unless nothing amplifies it',
  claim: 'An overloaded system cannot recover while load continues.',
  expected: 'partly',
  corrected:
    'Once the trigger is gone a queue drains whenever capacity exceeds the arrival rate. It stays overloaded ' +
    '(metastable) only when something amplifies the load — clients retrying on timeout, the server finishing ' +
    'work whose clients gave up — and a retry budget, dropping expired work or serving newest first breaks the loop.',
  rows,
  run: ({ seed, quick }) => {
    const durationMs = quick ? 30_000 : 60_000;
    const afterMs = quick ? 5_000 : 10_000;
    const rate = 80;
    const table: (string | number | boolean)[][] = [];
    const measurements: Record<string, number> = {};
    const clusters = [];
    const recovered = new Map<string, boolean>();
    let healthy = Number.NaN;
    for (const variant of variants) {
      const cluster = runFor(
        {
          rate,
          serviceMs: 10,
          workers: 1,
          overflow: 'unbounded',
          timeoutMs: 300,
          triggerAtMs: TRIGGER_AT,
          triggerForMs: TRIGGER_FOR,
          triggerSlowdown: 3,
          durationMs,
          ...variant.params,
        },
        seed,
      );
      clusters.push(cluster);
      const { ledger } = cluster;
      const before = goodput(ledger.between(1_000, TRIGGER_AT));
      const during = goodput(ledger.between(TRIGGER_AT, TRIGGER_AT + TRIGGER_FOR));
      const after = goodput(ledger.between(durationMs - afterMs, durationMs));
      // Healthy: the goodput before the trigger without retries. (With retries a run can tip over before
      // the trigger: at ρ = 0.8 a rare run of slow requests is trigger enough.) Recovered: goodput in the
      // last window within three Poisson standard errors of a count of served requests of healthy.
      if (Number.isNaN(healthy)) healthy = before;
      const ok = after >= healthy * (1 - countTolerance(healthy, afterMs));
      recovered.set(variant.name, ok);
      measurements[`goodput before (${variant.name})`] = round(before, 1);
      measurements[`goodput during (${variant.name})`] = round(during, 1);
      measurements[`goodput after (${variant.name})`] = round(after, 1);
      table.push([
        variant.name,
        round(before, 1),
        round(during, 1),
        round(after, 1),
        ledger.totals.retries,
        ledger.totals.late,
        ledger.totals.failedBy.expired,
        ok,
      ]);
    }
    const stuck = recovered.get('retries on timeout (amplifier)') === false;
    const plain = recovered.get('no retries (no amplifier)') === true;
    const fixes = variants.slice(2).every((v) => recovered.get(v.name) === true);
    const observed = stuck && plain && fixes ? 'partly' : stuck ? 'holds' : 'fails';
    const row = (name: string) => table.find((r) => r[0] === name) ?? [];
    return {
      observed,
      summary:
        `With the server 3× slower for ${TRIGGER_FOR / 1_000} s, goodput fell from ${row('no retries (no amplifier)')[1]} to ` +
        `${row('no retries (no amplifier)')[2]} requests/s. Without retries it came back (${row('no retries (no amplifier)')[3]}/s in the last ${afterMs / 1_000} s); ` +
        `with retries on timeout it stayed at ${row('retries on timeout (amplifier)')[3]}/s long after the trigger ended ` +
        `(${row('retries on timeout (amplifier)')[4]} retries, ${row('retries on timeout (amplifier)')[5]} answers nobody waited for). ` +
        `A retry budget, dropping expired work and adaptive LIFO ${fixes ? 'each recovered' : 'did not all recover'}.`,
      measurements,
      tables: [
        {
          title: `offered ${rate}/s, capacity 100/s (33/s during the trigger), timeout 300 ms; goodput = answers within the timeout, per second`,
          columns: [
            'variant',
            'before',
            'during trigger',
            `last ${afterMs / 1_000} s`,
            'retries',
            'answers too late',
            'dropped as expired',
            'recovered',
          ],
          rows: table,
        },
      ],
      counterexample: { stuck: row('retries on timeout (amplifier)') },
      traceHash: hashOf(clusters),
    };
  },
};

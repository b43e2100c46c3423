/** Ambiguous outcomes: a payment gateway that sometimes times out after charging. */
import type { Scenario } from '../../contract';
import { runPayments, type GatewayRun, type TimeoutHandling } from '../gateway';
import { hashOf, rows } from './common';

export const reconciliation: Scenario = {
  id: 'ambiguous-payment-reconciliation',
  title: 'A timed-out charge is unknown, not failed: reconcile it',
  claim:
    'When a payment call times out, the outcome is unknown: retrying without a key charges twice and marking it ' +
    'failed loses money; recording it as unknown and reconciling against the gateway (or retrying with the same ' +
    'idempotency key) settles every payment correctly.',
  expected: 'holds',
  rows,
  run: ({ seed, quick }) => {
    const payments = quick ? 60 : 300;
    const faults = { timeoutBefore: 0.1, timeoutAfter: 0.1 };
    const runs: [string, GatewayRun][] = (
      [
        ['retry on timeout, no key', 'retry-blindly'],
        ['mark failed on timeout', 'mark-failed'],
        ['unknown, retry with the key, then reconcile', 'reconcile'],
      ] as [string, TimeoutHandling][]
    ).map(([label, handling]) => [label, runPayments({ seed, payments, handling, ...faults })]);
    const [blind, failed, reconciled] = runs.map(([, r]) => r) as [GatewayRun, GatewayRun, GatewayRun];
    const wrong = (r: GatewayRun) => r.doubleCharged + r.paidForNothing + r.paidNotCharged + r.unresolved;
    const holds = blind.doubleCharged > 0 && failed.paidForNothing > 0 && wrong(reconciled) === 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `${payments} payments, 10 % of calls timing out before the charge and 10 % after it: retrying without a key ` +
        `charged ${blind.doubleCharged} customers twice; marking timeouts failed left ${failed.paidForNothing} customers ` +
        `charged for a failed payment; treating them as unknown (retries with the key, then a reconciliation query) ` +
        `left ${wrong(reconciled)} payments wrong.`,
      measurements: {
        'blind retry: double charges': blind.doubleCharged,
        'mark failed: charged for nothing': failed.paidForNothing,
        'reconcile: wrong': wrong(reconciled),
      },
      tables: [
        {
          columns: [
            'on timeout',
            'timeouts',
            'charged twice',
            'charged, recorded failed',
            'paid, never charged',
            'unresolved',
          ],
          rows: runs.map(([label, r]) => [
            label,
            r.timeouts,
            r.doubleCharged,
            r.paidForNothing,
            r.paidNotCharged,
            r.unresolved,
          ]),
        },
      ],
      traceHash: hashOf(runs.map(([, r]) => r.traceHash)),
    };
  },
};

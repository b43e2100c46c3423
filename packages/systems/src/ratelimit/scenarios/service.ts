/**
 * Scenarios on the service in the simulator: clients over a simulated network to servers behind a load
 * balancer, limited locally, centrally or with synced counters; and the hierarchical limiter.
 */
import { Rng } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../../contract';
import { buildRateWorld, clientTotals, rateParams, type RateParams } from '../cluster';
import {
  HierarchicalLimiter,
  SketchHierarchy,
  type Bucketed,
  type HierarchyDecision,
  type HierarchySpec,
} from '../hierarchical';
import { arrivalCurveExcess } from '../promises';
import { poisson, round } from '../traces';

/** Settles in-flight requests after the clients stop. */
const SETTLE_MS = 500;

function run(overrides: Partial<RateParams>, seed: number, settleMs = SETTLE_MS) {
  const params = rateParams.parse(overrides);
  const cluster = buildRateWorld(params, seed, 'hash', { keep: true });
  cluster.world.runFor(params.durationMs + settleMs);
  return { cluster, params };
}

/** Admitted per second (true time) from `fromMs` to the clients' stop. */
function admittedRate(admittedAt: readonly number[], fromMs: number, toMs: number): number {
  return admittedAt.filter((t) => t >= fromMs && t < toMs).length / ((toMs - fromMs) / 1_000);
}

export const limitsMustBeGlobal: Scenario = {
  id: 'limits-must-be-global',
  title: 'Ten servers with their own limit admit ten times it',
  claim: 'Ten servers each allowing 100 req/s let one client get ~1,000 req/s: limits must be global.',
  expected: 'holds',
  rows: ['H3'],
  run({ seed, quick }): ScenarioResult {
    const base: Partial<RateParams> = {
      servers: 10,
      clients: 1,
      tenants: 1,
      endpoints: 1,
      limit: 100,
      windowMs: 1_000,
      ratePerClient: 2_000,
      burstSize: 0,
      retry: 'none',
      durationMs: quick ? 3_500 : 10_000,
    };
    const local = run({ ...base, mode: 'local' }, seed);
    const central = run({ ...base, mode: 'central' }, seed);
    // From 1.5 s on: each server's full bucket of the start (100) drains at 200 − 100 req/s, in 1 s.
    const localRate = admittedRate(local.cluster.ledger.admittedAt, 1_500, local.params.durationMs);
    const centralRate = admittedRate(central.cluster.ledger.admittedAt, 1_500, central.params.durationMs);
    // "~1,000": the sum of ten limits within 5%; the central limiter within 5% of its one limit.
    const holds = Math.abs(localRate / 1_000 - 1) <= 0.05 && Math.abs(centralRate / 100 - 1) <= 0.05;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `One client at 2,000 req/s over 10 servers of 100 req/s each got ${round(localRate, 1)} req/s with a limiter per server, ` +
        `${round(centralRate, 1)} req/s with one central limiter.`,
      measurements: { localRate, centralRate, servers: 10, limitPerServer: 100 },
      tables: [
        {
          title: 'Admitted per second (from 1.5 s on), one client at 2,000 req/s',
          columns: ['limiting', 'admitted req/s', '× the limit'],
          rows: [
            ['a limiter per server', round(localRate, 1), round(localRate / 100, 2)],
            ['one central limiter', round(centralRate, 1), round(centralRate / 100, 2)],
          ],
        },
      ],
      traceHash: local.cluster.world.traceHash() + central.cluster.world.traceHash(),
    };
  },
};

export const syncedCountersOverAdmit: Scenario = {
  id: 'synced-counters-over-admit',
  title: 'Local counters synced on an interval over-admit',
  claim: 'Local counters synced every interval over-count.',
  expected: 'fails',
  corrected:
    'The error is over-admission: between two syncs every server spends the same headroom, so a window admits up to about N× its quota, more the longer the sync period.',
  rows: ['H3'],
  run({ seed, quick }): ScenarioResult {
    const servers = 5;
    const limit = 100;
    const periods = quick ? [20, 100, 400] : [10, 20, 50, 100, 200, 400, 1_000];
    const durationMs = quick ? 4_000 : 20_000;
    const rows: (string | number)[][] = [];
    const measurements: Record<string, number> = {};
    let hash = '';
    const overs: number[] = [];
    for (const syncMs of periods) {
      const { cluster } = run(
        {
          servers,
          clients: 5,
          tenants: 1,
          endpoints: 1,
          mode: 'synced',
          limit,
          windowMs: 1_000,
          syncMs,
          ratePerClient: 200,
          burstSize: 0,
          retry: 'none',
          durationMs,
        },
        seed,
      );
      hash += cluster.world.traceHash();
      const perWindow = new Map<number, number>();
      for (const t of cluster.ledger.admittedAt) {
        const w = Math.floor(t / 1_000);
        perWindow.set(w, (perWindow.get(w) ?? 0) + 1);
      }
      const windows = [...perWindow.entries()].filter(([w]) => w < durationMs / 1_000).map(([, n]) => n);
      const mean = windows.reduce((a, b) => a + b, 0) / windows.length;
      const worst = Math.max(...windows);
      const fewest = Math.min(...windows);
      overs.push(mean - limit);
      measurements[`meanAt${syncMs}ms`] = mean;
      rows.push([syncMs, round(mean, 1), worst, fewest, round((mean - limit) / limit, 3)]);
    }
    const alwaysOver = overs.every((o) => o > 0);
    const grows = (overs[overs.length - 1] as number) > (overs[0] as number);
    const bounded = rows.every((r) => (r[2] as number) <= servers * limit);
    return {
      observed: alwaysOver && grows && bounded ? 'fails' : 'holds',
      summary:
        `${servers} servers, a limit of ${limit} per second, 10× offered: a window admitted on average ${rows.map((r) => `${r[1]} (sync ${r[0]} ms)`).join(', ')} — ` +
        `${alwaysOver ? 'always more than the limit' : 'not always more than the limit'}, ${grows ? 'more the longer the sync period' : 'not growing with the sync period'}; ` +
        `the busiest window ${Math.max(...rows.map((r) => r[2] as number))} (${servers} servers × the limit: ${servers * limit}).`,
      measurements: { ...measurements, servers, limit },
      tables: [
        {
          title: `Admitted per 1 s window against the sync period (${servers} servers, limit ${limit})`,
          columns: [
            'sync period (ms)',
            'mean per window',
            'most',
            'fewest',
            'over-admission (share of limit)',
          ],
          rows,
        },
      ],
      traceHash: hash.slice(0, 32),
    };
  },
};

export const retryAfterNoStorm: Scenario = {
  id: 'retry-after-no-storm',
  title: 'Clients that honour Retry-After get through without a storm',
  claim: 'Clients that wait what Retry-After says get their requests through without a retry storm.',
  expected: 'holds',
  rows: ['H3'],
  run({ seed, quick }): ScenarioResult {
    // Below the limit on average (60 req/s against 100), but in bursts larger than the bucket.
    const base: Partial<RateParams> = {
      servers: 2,
      clients: 2,
      tenants: 1,
      endpoints: 1,
      mode: 'central',
      limit: 100,
      windowMs: 1_000,
      ratePerClient: 0,
      burstSize: 120,
      burstEveryMs: 4_000,
      maxAttempts: 10,
      durationMs: quick ? 8_000 : 40_000,
    };
    const rows: (string | number)[][] = [];
    const m: Record<string, number> = {};
    for (const retry of ['immediate', 'retry-after'] as const) {
      // Clients stop starting requests at the end; their retries get 10 s more to finish.
      const { cluster } = run({ ...base, retry }, seed, 10_000);
      const t = clientTotals(cluster);
      m[`${retry}AttemptsPerRequest`] = t.attempts / t.requests;
      m[`${retry}Admitted`] = t.admitted / t.requests;
      m[`${retry}Refusals`] = t.refused;
      m[`${retry}RefusedRequests`] = t.refusedFirst;
      rows.push([
        retry,
        t.requests,
        t.attempts,
        round(t.attempts / t.requests, 2),
        t.refused,
        round(t.admitted / t.requests, 3),
        t.gaveUp,
      ]);
    }
    // Getting through: every request admitted in the end (99%, for a burst cut by the end of the run).
    // No storm: a refused request comes back about once, not again and again (fewer than two 429s each).
    const through = (m['retry-afterAdmitted'] as number) >= 0.99;
    const calm =
      (m['retry-afterRefusals'] as number) / Math.max(1, m['retry-afterRefusedRequests'] as number) < 2;
    return {
      observed: through && calm ? 'holds' : 'fails',
      summary:
        `Bursts of 120 against a bucket of 100 (60 req/s on average, limit 100/s): clients retrying at once made ${round(m.immediateAttemptsPerRequest as number, 2)} attempts per request ` +
        `and got ${round((m.immediateAdmitted as number) * 100, 1)}% through; clients waiting Retry-After made ${round(m['retry-afterAttemptsPerRequest'] as number, 2)} and got ${round((m['retry-afterAdmitted'] as number) * 100, 1)}% through.`,
      measurements: m,
      tables: [
        {
          title:
            'Retrying a 429 (at most 10 attempts per request), limit 100/s, bursts of 120 every 4 s from each of 2 clients',
          columns: [
            'on 429',
            'requests',
            'attempts',
            'attempts per request',
            '429s',
            'share admitted',
            'gave up',
          ],
          rows,
        },
      ],
    };
  },
};

export const hierarchicalSketch: Scenario = {
  id: 'hierarchical-limiter-sketch',
  title: 'The hierarchical limiter sketch against one that checks every level',
  claim: 'The hierarchical limiter sketch checks global → tenant → endpoint.',
  expected: 'fails',
  corrected:
    'The sketch checks only the endpoint’s bucket (tenants and the service go past their limits), refills every bucket on every request, and sends no Retry-After. Checking every level, charging all of them only when all have room, and refilling lazily keeps every bound.',
  rows: ['H3'],
  run({ seed, quick }): ScenarioResult {
    const spec: HierarchySpec = {
      global: { capacity: 100, ratePerMs: 100 / 1_000 },
      tenant: { capacity: 40, ratePerMs: 40 / 1_000 },
      endpoint: { capacity: 15, ratePerMs: 15 / 1_000 },
    };
    const tenants = ['t1', 't2', 't3'];
    const endpoints = ['GET /a', 'GET /b', 'POST /c', 'GET /d'];
    const rng = new Rng(seed).fork('hierarchy');
    const seconds = quick ? 10 : 60;
    // Every (tenant, endpoint) at 3× its endpoint limit.
    const trace = tenants
      .flatMap((tenant) =>
        endpoints.flatMap((endpoint) =>
          poisson(rng, (3 * 15) / 1_000, 0, seconds * 1_000).map((t) => ({ t, tenant, endpoint })),
        ),
      )
      .sort((a, b) => a.t - b.t);
    const measure = (
      limiter: Bucketed & { attempt(now: number, tenant: string, endpoint: string): HierarchyDecision },
    ) => {
      const admitted: { t: number; tenant: string; endpoint: string }[] = [];
      let touched = 0;
      let withRetryAfter = 0;
      let refused = 0;
      for (const r of trace) {
        const d = limiter.attempt(r.t, r.tenant, r.endpoint);
        touched += d.bucketsTouched;
        if (d.admitted) admitted.push(r);
        else {
          refused++;
          if (d.retryAfterMs !== undefined) withRetryAfter++;
        }
      }
      const excess = {
        global: arrivalCurveExcess(
          admitted.map((a) => a.t),
          spec.global.capacity,
          spec.global.ratePerMs,
        ),
        tenant: Math.max(
          ...tenants.map((x) =>
            arrivalCurveExcess(
              admitted.filter((a) => a.tenant === x).map((a) => a.t),
              spec.tenant.capacity,
              spec.tenant.ratePerMs,
            ),
          ),
        ),
        endpoint: Math.max(
          ...tenants.flatMap((x) =>
            endpoints.map((e) =>
              arrivalCurveExcess(
                admitted.filter((a) => a.tenant === x && a.endpoint === e).map((a) => a.t),
                spec.endpoint.capacity,
                spec.endpoint.ratePerMs,
              ),
            ),
          ),
        ),
      };
      return {
        globalRate: admitted.length / seconds,
        tenantRate: Math.max(...tenants.map((x) => admitted.filter((a) => a.tenant === x).length)) / seconds,
        excess,
        touchedPerRequest: touched / trace.length,
        retryAfterShare: refused === 0 ? 1 : withRetryAfter / refused,
      };
    };
    const sketch = measure(new SketchHierarchy(spec));
    const correct = measure(new HierarchicalLimiter(spec));
    const sketchBreaks = sketch.excess.tenant > 1e-6 || sketch.excess.global > 1e-6;
    const correctKeeps =
      correct.excess.global <= 1e-6 && correct.excess.tenant <= 1e-6 && correct.excess.endpoint <= 1e-6;
    const row = (name: string, m: typeof sketch) => [
      name,
      round(m.globalRate, 1),
      round(m.tenantRate, 1),
      round(Math.max(0, m.excess.global), 1),
      round(Math.max(0, m.excess.tenant), 1),
      round(m.touchedPerRequest, 1),
      round(m.retryAfterShare, 2),
    ];
    return {
      observed: sketchBreaks && correctKeeps ? 'fails' : 'holds',
      summary:
        `Limits global 100/s, tenant 40/s, endpoint 15/s; 3 tenants × 4 endpoints at 3× the endpoint limit. The sketch admitted ${round(sketch.globalRate, 1)}/s in all ` +
        `and up to ${round(sketch.tenantRate, 1)}/s for one tenant, touched ${round(sketch.touchedPerRequest, 1)} buckets per request and sent Retry-After on ${round(sketch.retryAfterShare * 100, 1)}% of its 429s; ` +
        `checking every level admitted ${round(correct.globalRate, 1)}/s, at most ${round(correct.tenantRate, 1)}/s per tenant, touching ${round(correct.touchedPerRequest, 1)} buckets per request, ` +
        `with Retry-After on ${round(correct.retryAfterShare * 100, 1)}% of its 429s.`,
      measurements: {
        sketchGlobalRate: sketch.globalRate,
        sketchTenantRate: sketch.tenantRate,
        correctGlobalRate: correct.globalRate,
        correctTenantRate: correct.tenantRate,
        sketchBucketsPerRequest: sketch.touchedPerRequest,
        correctRetryAfterShare: correct.retryAfterShare,
      },
      tables: [
        {
          title: 'Admitted per second and the worst excess over each level’s burst + rate·T',
          columns: [
            'limiter',
            'global /s',
            'busiest tenant /s',
            'global excess',
            'tenant excess',
            'buckets per request',
            'Retry-After on 429',
          ],
          rows: [row('sketch', sketch), row('every level', correct)],
        },
      ],
    };
  },
};

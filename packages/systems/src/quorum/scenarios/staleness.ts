/**
 * Staleness and the price of W and R, measured on the store's own nodes:
 * - probabilistically bounded staleness (Bailis, Venkataraman, Franklin, Hellerstein, Stoica, VLDB
 *   2012): the probability that a read t ms after a write was acknowledged returns it, for N = 3 with
 *   R = W = 1, R = 2 W = 1 and R = W = 2, under links with a long tail;
 * - how many failures N = 3 and N = 5 survive at QUORUM, and what W and R cost: an operation's latency
 *   is its W-th (R-th) fastest replica, and W = 1 acknowledges writes only one replica holds.
 */
import type { LinkConfig, NodeId } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../../contract';
import { buildQuorumCluster, quorumParams, type QuorumCluster } from '../cluster';
import { required, type Level } from '../messages';
import { valuesOf } from '../versions';
import { quantile, round, wilson } from './support';

/**
 * The links: log-normal with a median of 2 ms and a p99 of 40 ms — a LAN with a tail, the shape of the
 * production latencies the PBS paper fitted (most messages fast, a few twenty times slower).
 */
const TAIL: Partial<LinkConfig> = { latency: { kind: 'long-tail', median: 2, p99: 40 } };

/** Clients sit next to their coordinator: the curve is about the replicas, not the client's link. */
const NEAR: Partial<LinkConfig> = { latency: { kind: 'constant', ms: 0.05 } };

/** Trials start this far apart (they share nothing: one key each). */
const STAGGER_MS = 0.5;

interface Config {
  readonly label: string;
  readonly r: Level;
  readonly w: Level;
}

const CONFIGS: readonly Config[] = [
  { label: 'R=1 W=1', r: 'one', w: 'one' },
  { label: 'R=2 W=1', r: 'quorum', w: 'one' },
  { label: 'R=2 W=2', r: 'quorum', w: 'quorum' },
];

/** A 4-node ring with N = 3: each key has a node that is not its replica, which coordinates it (the WARS model's coordinator). */
function pbsCluster(seed: number): QuorumCluster {
  const params = quorumParams.parse({
    nodes: 4,
    replicas: 3,
    conflict: 'lww',
    sloppy: false,
    readRepair: 'off',
    antiEntropyMs: 0,
    requestTimeoutMs: 5_000,
    failAfterMs: 60_000,
    clients: 1,
  });
  return buildQuorumCluster(params, seed, {
    network: TAIL,
    record: false,
    client: () => ({ workload: undefined, timeoutMs: 20_000 }),
    links: [
      { from: 'c1', to: '*', config: NEAR },
      { from: '*', to: 'c1', config: NEAR },
    ],
  });
}

/** Runs `trials` write-then-read trials per wait; returns stale counts per wait. */
function staleness(
  seed: number,
  config: Config,
  waits: readonly number[],
  trials: number,
): { stale: number[]; done: number[]; hash: string } {
  const cluster = pbsCluster(seed);
  const { world } = cluster;
  const client = cluster.client('c1');
  const stale = waits.map(() => 0);
  const done = waits.map(() => 0);
  let started = 0;
  waits.forEach((wait, wi) => {
    for (let trial = 0; trial < trials; trial++) {
      const key = `pbs-${wi}-${trial}`;
      const via = cluster.ring.replicas(key, 4)[3] as NodeId;
      world.at(started++ * STAGGER_MS, `trial ${key}`, () => {
        const value = client.freshValue();
        client.put(
          key,
          value,
          config.w,
          (wrote) => {
            if (!wrote.ok) return;
            world.after(wait, `read ${key}`, () =>
              client.get(
                key,
                config.r,
                (got) => {
                  if (!got.ok || got.f !== 'get') return;
                  done[wi] = (done[wi] as number) + 1;
                  if (!got.values.includes(value)) stale[wi] = (stale[wi] as number) + 1;
                },
                via,
              ),
            );
          },
          { via },
        );
      });
    }
  });
  world.runUntilQuiet(started * STAGGER_MS + 60_000);
  return { stale, done, hash: world.traceHash() };
}

export const pbsStaleness: Scenario = {
  id: 'stale-reads-wr',
  title: 'W + R ≤ N reads stale data in normal operation: probabilistically bounded staleness',
  claim: 'W + R ≤ N returns stale data under normal operation; the stale-read rate depends on W and R.',
  expected: 'holds',
  rows: ['B2'],
  run({ seed, quick }): ScenarioResult {
    const waits = quick ? [0, 2, 10, 50] : [0, 1, 2, 5, 10, 20, 50, 100, 200];
    const trials = quick ? 150 : 1_000;
    const curves = CONFIGS.map((config) => ({ config, ...staleness(seed, config, waits, trials) }));
    const consistent = (c: (typeof curves)[number], i: number) =>
      1 - (c.stale[i] as number) / Math.max(1, c.done[i] as number);
    const [one, readTwo, both] = curves as [
      (typeof curves)[number],
      (typeof curves)[number],
      (typeof curves)[number],
    ];
    // The tolerance is the sampling error: a stale rate is "above zero" when its 95% Wilson interval is.
    const staleAtZero = (c: (typeof curves)[number]) => wilson(c.stale[0] as number, c.done[0] as number);
    const oneStale = staleAtZero(one).low > 0;
    const readTwoStale = staleAtZero(readTwo).low > 0;
    const bothStale = both.stale.reduce((a, b) => a + b, 0);
    const decays = curves.every((c) => consistent(c, waits.length - 1) >= consistent(c, 0));
    const observed = oneStale && readTwoStale && bothStale === 0 && decays ? 'holds' : 'fails';
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    return {
      observed,
      summary:
        `N = 3, links with a 2 ms median and a 40 ms p99, ${trials} write-then-read trials per point: a read right after the write was acknowledged returned it ` +
        `${pct(consistent(one, 0))} of the time at R=W=1 and ${pct(consistent(readTwo, 0))} at R=2 W=1 (W + R ≤ N), ${pct(consistent(both, 0))} at R=W=2; ` +
        `${waits[waits.length - 1]} ms later ${pct(consistent(one, waits.length - 1))} and ${pct(consistent(readTwo, waits.length - 1))}. ` +
        `R=W=2 never returned stale data (${bothStale} stale of ${both.done.reduce((a, b) => a + b, 0)} reads).`,
      measurements: {
        trialsPerPoint: trials,
        consistentAt0_R1W1: round(consistent(one, 0), 4),
        consistentAt0_R2W1: round(consistent(readTwo, 0), 4),
        consistentAt0_R2W2: round(consistent(both, 0), 4),
        staleR2W2: bothStale,
        [`consistentAt${waits[waits.length - 1]}_R1W1`]: round(consistent(one, waits.length - 1), 4),
      },
      tables: [
        {
          title:
            'P(a read t ms after the write was acknowledged returns it), N = 3 (the PBS t-visibility curve)',
          columns: ['t (ms)', ...CONFIGS.map((c) => c.label)],
          rows: waits.map((wait, i) => [wait, ...curves.map((c) => round(consistent(c, i), 4))]),
        },
      ],
      traceHash: curves.map((c) => c.hash.slice(0, 6)).join(''),
    };
  },
};

// ---- failures survived, and the price of W and R ----

/** Share of QUORUM requests that succeed on N nodes (N = replicas) with `down` of them crashed. */
function availability(
  seed: number,
  n: number,
  down: number,
  requests: number,
): { ok: number; total: number } {
  const params = quorumParams.parse({
    nodes: n,
    replicas: n,
    conflict: 'lww',
    sloppy: false,
    clients: 1,
    antiEntropyMs: 0,
  });
  const live = Array.from({ length: n - down }, (_, i) => `n${down + i + 1}`);
  // A driver sends to nodes it sees up (as Cassandra's does); with no node up it has nowhere to send.
  const cluster = buildQuorumCluster(params, seed, {
    record: false,
    client: () => ({ workload: undefined, nodes: live.length > 0 ? live : ['n1'] }),
  });
  const { world } = cluster;
  for (let i = 1; i <= down; i++) world.crash(`n${i}`);
  world.runFor(params.failAfterMs + 100); // gossip notices
  let ok = 0;
  let total = 0;
  const client = cluster.client('c1');
  for (let i = 0; i < requests; i++) {
    world.at(world.now() + i * 2, 'request', () => {
      const key = `k${i % 10}`;
      const done = (r: { ok: boolean }) => {
        total++;
        if (r.ok) ok++;
      };
      if (i % 2 === 0) client.put(key, client.freshValue(), 'quorum', done);
      else client.get(key, 'quorum', done);
    });
  }
  world.runUntilCondition(() => total === requests, 60_000);
  return { ok, total };
}

interface LevelCost {
  readonly level: Level;
  readonly kind: 'put' | 'get';
  readonly p50: number;
  readonly p99: number;
  /** Requests whose answer came exactly with the k-th fastest replica reply (k = W or R). */
  readonly kthFastest: number;
  readonly requests: number;
  /** Acknowledged writes held by exactly one replica when the client heard the ack. */
  readonly singleCopy: number;
}

function levelCost(seed: number, kind: 'put' | 'get', level: Level, requests: number): LevelCost {
  const params = quorumParams.parse({
    nodes: 4,
    replicas: 3,
    conflict: 'lww',
    sloppy: false,
    readRepair: 'off',
    antiEntropyMs: 0,
    requestTimeoutMs: 5_000,
    failAfterMs: 60_000,
    clients: 1,
  });
  const cluster = buildQuorumCluster(params, seed, {
    network: TAIL,
    record: false,
    client: () => ({ workload: undefined, timeoutMs: 20_000 }),
    links: [
      { from: 'c1', to: '*', config: NEAR },
      { from: '*', to: 'c1', config: NEAR },
    ],
  });
  const { world, observer } = cluster;
  const client = cluster.client('c1');
  const latencies: number[] = [];
  let kthFastest = 0;
  let coordinated = 0;
  let singleCopy = 0;
  const need = required(level, params.replicas);
  observer.onCoordinated = (_node, k, needed, replyMs, answeredMs) => {
    if (k !== kind || needed !== need || replyMs.length < needed) return;
    coordinated++;
    const sorted = [...replyMs].sort((a, b) => a - b);
    if (Math.abs((sorted[needed - 1] as number) - answeredMs) < 1e-9) kthFastest++;
  };
  for (let i = 0; i < requests; i++) {
    const key = `cost-${i}`;
    const via = cluster.ring.replicas(key, 4)[3] as NodeId;
    world.at(i * 5, 'request', () => {
      const value = client.freshValue();
      if (kind === 'put')
        client.put(
          key,
          value,
          level,
          (r) => {
            if (!r.ok) return;
            latencies.push(r.latencyMs);
            const holders = cluster
              .preferenceList(key)
              .filter((id) => valuesOf(cluster.node(id).replica(key)).includes(value)).length;
            if (holders === 1) singleCopy++;
          },
          { via },
        );
      else client.get(key, level, (r) => r.ok && latencies.push(r.latencyMs), via);
    });
  }
  world.runUntilQuiet(requests * 5 + 60_000);
  return {
    level,
    kind,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    kthFastest,
    requests: coordinated,
    singleCopy,
  };
}

export const faultToleranceAndLatency: Scenario = {
  id: 'quorum-failures-and-latency',
  title: 'N = 3 survives one failure, N = 5 two; an operation waits for its W-th (R-th) fastest replica',
  claim:
    'N = 3 survives 1 failure, N = 5 survives 2; the latency of an operation is the W-th (or R-th) fastest reply: W = 1 is fastest and least durable, R = N slowest.',
  expected: 'holds',
  rows: ['B2'],
  run({ seed, quick }): ScenarioResult {
    const requests = quick ? 40 : 200;
    const survival: (string | number)[][] = [];
    let survivesAsClaimed = true;
    for (const n of [3, 5]) {
      for (let down = 0; down < n; down++) {
        const { ok, total } = availability(seed, n, down, requests);
        const tolerated = down <= Math.floor((n - 1) / 2);
        // A tolerated failure must leave every request answered; one too many must leave none.
        if (tolerated ? ok !== total : ok !== 0) survivesAsClaimed = false;
        survival.push([n, down, `${ok}/${total}`, tolerated ? 'yes' : 'no']);
      }
    }
    const costRequests = quick ? 150 : 1_000;
    const costs: LevelCost[] = [];
    for (const kind of ['put', 'get'] as const)
      for (const level of ['one', 'quorum', 'all'] as const)
        costs.push(levelCost(kind === 'put' ? 2 * seed : 2 * seed + 1, kind, level, costRequests)); // reads and writes draw their own latencies
    const p50 = (kind: 'put' | 'get', level: Level) =>
      costs.find((c) => c.kind === kind && c.level === level)?.p50 ?? NaN;
    const ordered = (['put', 'get'] as const).every(
      (k) => p50(k, 'one') < p50(k, 'quorum') && p50(k, 'quorum') < p50(k, 'all'),
    );
    const allKth = costs.every((c) => c.kthFastest === c.requests && c.requests > 0);
    const single = (level: Level) =>
      costs.find((c) => c.kind === 'put' && c.level === level)?.singleCopy ?? 0;
    const durabilityAsClaimed = single('one') > 0 && single('quorum') === 0 && single('all') === 0;
    const observed = survivesAsClaimed && ordered && allKth && durabilityAsClaimed ? 'holds' : 'fails';
    return {
      observed,
      summary:
        `At QUORUM, N = 3 answered every request with one node down and none with two; N = 5 every request with two down and none with three. ` +
        `Median write latency ${p50('put', 'one').toFixed(1)} / ${p50('put', 'quorum').toFixed(1)} / ${p50('put', 'all').toFixed(1)} ms at W = 1 / 2 / 3, ` +
        `reads ${p50('get', 'one').toFixed(1)} / ${p50('get', 'quorum').toFixed(1)} / ${p50('get', 'all').toFixed(1)} ms at R = 1 / 2 / 3; ` +
        `every answer came with exactly the W-th (R-th) replica reply. At W = 1, ${single('one')} of ${costRequests} acknowledged writes were on one replica only when acknowledged (0 at W = 2 and 3).`,
      measurements: {
        survivesAsClaimed: survivesAsClaimed ? 1 : 0,
        p50PutW1: round(p50('put', 'one'), 2),
        p50PutW2: round(p50('put', 'quorum'), 2),
        p50PutW3: round(p50('put', 'all'), 2),
        p50GetR1: round(p50('get', 'one'), 2),
        p50GetR2: round(p50('get', 'quorum'), 2),
        p50GetR3: round(p50('get', 'all'), 2),
        singleCopyW1: single('one'),
        singleCopyW2: single('quorum'),
        kthFastestShare: round(
          costs.reduce((a, c) => a + c.kthFastest, 0) /
            Math.max(
              1,
              costs.reduce((a, c) => a + c.requests, 0),
            ),
          4,
        ),
      },
      tables: [
        {
          title: 'QUORUM requests answered with nodes down (N = number of nodes)',
          columns: ['N', 'down', 'answered', 'within ⌊(N−1)/2⌋'],
          rows: survival,
        },
        {
          title: `Latency by level, N = 3 (links: 2 ms median, 40 ms p99; ${costRequests} requests each)`,
          columns: [
            'operation',
            'level',
            'p50 ms',
            'p99 ms',
            'answered at the k-th fastest reply',
            'acked on one replica only',
          ],
          rows: costs.map((c) => [
            c.kind === 'put' ? 'write' : 'read',
            `${c.kind === 'put' ? 'W' : 'R'} = ${required(c.level, 3)}`,
            round(c.p50, 2),
            round(c.p99, 2),
            `${c.kthFastest}/${c.requests}`,
            c.kind === 'put' ? c.singleCopy : '—',
          ]),
        },
      ],
    };
  },
};

export const stalenessScenarios: readonly Scenario[] = [pbsStaleness, faultToleranceAndLatency];

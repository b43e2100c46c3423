/**
 * Redlock over five Redis-like servers, with the failures Kleppmann lists against it. Client c1 takes
 * the lock while it cannot reach r4 and r5 (so it holds r1–r3, a majority); c2 is cut off until then.
 * Then one of c1's servers loses the key — it restarts without persistence, or its clock jumps past the
 * TTL — and c2, now reachable, takes r3–r5: another majority. A GC pause needs no server fault at all.
 */
import type { Scenario, ScenarioResult } from '../../contract';
import type { LeaseCluster, LeaseParams } from '../cluster';
import { FIGURE_COLUMNS, figureRow, prefixed, runLocks, type LockFigures } from './common';

const TTL = 1_000;
const redlock: Partial<LeaseParams> = {
  protocol: 'redlock',
  redisNodes: 5,
  clients: 2,
  ttlMs: TTL,
  holdMs: 0,
  fence: 'none',
  gcPauseMs: 0,
  durationMs: 3_000,
};

type ServerFault = 'none' | 'crash-one' | 'restart' | 'clock-jump';

/** c1 holds r1–r3; then `fault` hits r3 and everyone can reach everyone again. */
function splitMajority(fault: ServerFault) {
  return (cluster: LeaseCluster) => {
    const { world, ledger } = cluster;
    const net = world.network;
    for (const r of ['r4', 'r5']) {
      net.blockOneWay('c1', r);
      net.blockOneWay(r, 'c1');
    }
    for (const r of cluster.redis) {
      net.blockOneWay('c2', r);
      net.blockOneWay(r, 'c2');
    }
    world.runUntilCondition(() => ledger.believers.has('c1'), TTL);
    if (fault === 'restart') {
      world.crash('r3');
      world.restart('r3');
    }
    if (fault === 'crash-one') world.crash('r3');
    if (fault === 'clock-jump') world.clock('r3').jump(TTL);
    net.heal();
  };
}

interface Case {
  readonly name: string;
  readonly figures: LockFigures;
  /** Two clients believed at once, or a superseded holder's write was applied over a newer one's. */
  readonly broken: boolean;
}

function runCase(
  name: string,
  params: Partial<LeaseParams>,
  seed: number,
  setup?: (c: LeaseCluster) => void,
): Case {
  const { figures } = runLocks({ ...redlock, ...params }, seed, setup);
  return { name, figures, broken: figures.maxBelievers >= 2 || figures.corrupted > 0 };
}

export const redlockFailures: Scenario = {
  id: 'redlock-failures',
  title: 'Redlock over five servers: one failover, then pauses, clock jumps and restarts without fsync',
  claim: 'Redlock (a majority of 3–5 Redis masters) is safe.',
  expected: 'partly',
  corrected:
    'Redlock keeps one holder when a server fails or restarts with its data (fsync on every write), but not when a holder pauses past its TTL, a server’s clock jumps, or a server restarts without persistence: each gives two holders. It has no fencing token to let the storage refuse the late one.',
  rows: ['A2'],
  run({ seed, quick }): ScenarioResult {
    const long = quick ? {} : { durationMs: 12_000 };
    const safe = [
      runCase('no faults', long, seed),
      runCase('one server crashes and stays down', long, seed, splitMajority('crash-one')),
      runCase(
        'a server restarts with appendfsync always',
        { ...long, redisPersistence: 'always' },
        seed,
        splitMajority('restart'),
      ),
    ];
    const unsafe = [
      runCase(
        'holders pause 2 × TTL (GC)',
        { ...long, gcPauseMs: 2 * TTL, gcEveryMs: 2_500, durationMs: quick ? 6_000 : 20_000 },
        seed,
      ),
      runCase('a server’s clock jumps forward by the TTL', long, seed, splitMajority('clock-jump')),
      runCase('a server restarts without persistence', long, seed, splitMajority('restart')),
    ];
    const safeHeld = safe.every((c) => !c.broken);
    const allBroke = unsafe.every((c) => c.broken);
    const observed = safeHeld && allBroke ? 'partly' : safeHeld ? 'holds' : 'fails';
    const measurements: Record<string, number> = {};
    const keys = ['no-faults', 'crash-one', 'restart-fsync', 'pause', 'clock-jump', 'restart-no-persistence'];
    [...safe, ...unsafe].forEach((c, i) =>
      Object.assign(measurements, prefixed(keys[i] as string, c.figures)),
    );
    const describe = (c: Case) =>
      `${c.name}: ${c.figures.maxBelievers} holder${c.figures.maxBelievers === 1 ? '' : 's'} at once, ${c.figures.corrupted} corrupting writes`;
    return {
      observed,
      summary: `Safe cases — ${safe.map(describe).join('; ')}. Broken — ${unsafe.map(describe).join('; ')}.`,
      measurements,
      tables: [
        {
          title: 'Redlock, 5 servers, TTL 1 s',
          columns: FIGURE_COLUMNS,
          rows: [...safe, ...unsafe].map((c) => figureRow(c.name, c.figures)),
        },
      ],
      counterexample: unsafe.filter((c) => c.broken).map((c) => ({ case: c.name, ...c.figures })),
      traceHash: unsafe[1]?.figures.traceHash ?? '',
    };
  },
};

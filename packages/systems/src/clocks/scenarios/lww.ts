/** Last-write-wins under clock skew, and what logical clocks and TrueTime do (and do not) fix. */
import type { Scenario, ScenarioResult } from '../../contract';
import { buildClockWorld, clockParams } from '../cluster';
import { compareHlc } from '../hlc';
import { lwwWins } from '../lww';
import type { ClockNode } from '../node';
import type { RecordedEvent } from '../recorder';
import { compareVectors } from '../vector';
import { lostToEarlier, pct, quiet, round, writesOf } from './common';

export const fastClockWins: Scenario = {
  id: 'lww-fast-clock-wins',
  title: 'One clock 100 ms fast: its earlier write beats a later one',
  claim:
    'With one clock 100 ms fast, last-write-wins lets its earlier write beat another node’s later write: the later write is lost.',
  expected: 'holds',
  rows: ['C1'],
  run({ seed, quick }): ScenarioResult {
    const skewMs = 100;
    // 1. Scripted: n1 (100 ms fast) writes a key, n2 writes the same key `gap` ms later in true time.
    const gaps = [10, 50, 90, 99, 101, 110, 150, 300];
    const cluster = buildClockWorld(
      clockParams.parse({ ...quiet, members: 2, gossipIntervalMs: 50 }),
      seed,
      'hash',
      {
        clocks: [
          { offsetMs: skewMs, driftPpm: 0 },
          { offsetMs: 0, driftPpm: 0 },
        ],
      },
    );
    gaps.forEach((gap, i) => {
      const at = 100 + i * 1_000;
      cluster.world.at(at, `n1 writes k${i}`, () => cluster.world.node<ClockNode>('n1').write(`k${i}`));
      cluster.world.at(at + gap, `n2 writes k${i}`, () => cluster.world.node<ClockNode>('n2').write(`k${i}`));
    });
    cluster.world.runFor(gaps.length * 1_000 + 1_000);
    const rows = gaps.map((gap, i) => {
      const held = cluster.members.map((id) =>
        cluster.world
          .node<ClockNode>(id)
          .values()
          .find((w) => w.key === `k${i}`),
      );
      const winner = held[0]?.node ?? '—';
      const agree = held.every((w) => w?.id === held[0]?.id);
      return { gap, winner, agree, laterLost: winner === 'n1' };
    });
    const lostBelow = rows.filter((r) => r.gap < skewMs).every((r) => r.laterLost);
    const keptAbove = rows.filter((r) => r.gap > skewMs).every((r) => !r.laterLost);
    const agree = rows.every((r) => r.agree);

    // 2. The rate against skew: two nodes writing one key at random, one of them `skew` ms fast.
    const durationMs = quick ? 5_000 : 20_000;
    const sweep = [0, 1, 10, 100, 1_000].map((skew) => {
      const run = buildClockWorld(
        clockParams.parse({
          ...quiet,
          members: 2,
          actionIntervalMs: 20,
          writeChance: 1,
          pingChance: 0,
          commitChance: 0,
          keys: 1,
          durationMs,
        }),
        seed,
        'hash',
        {
          keep: true,
          clocks: [
            { offsetMs: skew, driftPpm: 0 },
            { offsetMs: 0, driftPpm: 0 },
          ],
        },
      );
      run.world.runFor(durationMs);
      const writes = writesOf(run.recorder.events);
      const lost = lostToEarlier(writes);
      const lostOf = (id: string) => writes.filter((w) => w.write.node === id && lost.has(w.write.id)).length;
      return { skew, writes: writes.length, lost: lost.size, fastLost: lostOf('n1'), slowLost: lostOf('n2') };
    });
    const at100 = sweep.find((s) => s.skew === 100) as (typeof sweep)[0];
    return {
      observed: lostBelow && keptAbove && agree ? 'holds' : 'fails',
      summary:
        `n1's clock 100 ms fast: when n2 wrote the same key ${gaps
          .filter((g) => g < skewMs)
          .join(
            ', ',
          )} ms after n1, both replicas kept n1's earlier write (${rows.filter((r) => r.laterLost).length} later writes lost); ` +
        `${gaps.filter((g) => g > skewMs).join(', ')} ms after, n2's write won. With both writing every ~20 ms, ` +
        `${pct(at100.lost / at100.writes)} of writes were lost to an earlier write at 100 ms of skew, against ` +
        `${pct((sweep[0] as (typeof sweep)[0]).lost / (sweep[0] as (typeof sweep)[0]).writes)} with none.`,
      measurements: {
        laterWritesLost: rows.filter((r) => r.laterLost).length,
        crossoverGapsBelowSkewLost: rows.filter((r) => r.gap < skewMs && r.laterLost).length,
        lostRateAt100Ms: at100.lost / at100.writes,
        lostRateAt0Ms: (sweep[0] as (typeof sweep)[0]).lost / (sweep[0] as (typeof sweep)[0]).writes,
      },
      tables: [
        {
          title: 'n1 (100 ms fast) writes, then n2 writes the same key',
          columns: ['n2 writes later by (ms)', 'value both replicas keep', "n2's later write lost"],
          rows: rows.map((r) => [r.gap, r.agree ? `${r.winner}'s write` : 'replicas differ', r.laterLost]),
        },
        {
          title: `Two writers on one key for ${durationMs / 1000} s: writes lost to an earlier write, by skew`,
          columns: ['n1 ahead by (ms)', 'writes', 'lost', 'lost rate', "n1's lost (fast)", "n2's lost"],
          rows: sweep.map((s) => [
            s.skew,
            s.writes,
            s.lost,
            round(s.lost / s.writes, 4),
            s.fastLost,
            s.slowLost,
          ]),
        },
      ],
      traceHash: cluster.world.traceHash(),
    };
  },
};

export const slowClockWritesDropped: Scenario = {
  id: 'lww-drops-slow-clock-writes',
  title: 'Whose writes last-write-wins drops',
  claim: 'LWW silently drops writes from machines with fast clocks.',
  expected: 'fails',
  corrected:
    'The opposite: the fast clock’s writes win. It is the later writes from slower clocks that are dropped — ' +
    'often at once, by the writer’s own replica, while the client is told the write succeeded.',
  rows: ['C1'],
  run({ seed, quick }): ScenarioResult {
    const durationMs = quick ? 10_000 : 30_000;
    const clocks = [
      { offsetMs: 50, driftPpm: 0 },
      { offsetMs: 0, driftPpm: 0 },
      { offsetMs: -50, driftPpm: 0 },
    ];
    const cluster = buildClockWorld(
      clockParams.parse({
        ...quiet,
        members: 3,
        actionIntervalMs: 50,
        writeChance: 1,
        pingChance: 0,
        commitChance: 0,
        keys: 2,
        gossipIntervalMs: 200,
        durationMs,
      }),
      seed,
      'hash',
      { keep: true, clocks },
    );
    cluster.world.runFor(durationMs);
    const writes = writesOf(cluster.recorder.events);
    const lost = lostToEarlier(writes);
    const rows = cluster.members.map((id, i) => {
      const mine = writes.filter((w) => w.write.node === id);
      return {
        id,
        offset: clocks[i]?.offsetMs as number,
        writes: mine.length,
        lost: mine.filter((w) => lost.has(w.write.id)).length,
        rejectedAtOnce: mine.filter((w) => !w.applied).length,
      };
    });
    const [fast, , slow] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    const rate = (r: (typeof rows)[0]) => r.lost / r.writes;
    const observed =
      fast.lost === 0 && slow.lost > 0 ? 'fails' : rate(fast) > rate(slow) ? 'holds' : 'partly';
    return {
      observed,
      summary:
        `Three nodes writing two keys, clocks +50, 0 and −50 ms: the fast node lost ${fast.lost} of ${fast.writes} writes to an ` +
        `earlier write; the slow node lost ${slow.lost} of ${slow.writes} (${pct(rate(slow))}), ${slow.rejectedAtOnce} of them ` +
        `rejected by its own replica the moment they were written.`,
      measurements: {
        fastLostRate: rate(fast),
        exactLostRate: rate(rows[1] as (typeof rows)[0]),
        slowLostRate: rate(slow),
        slowRejectedAtOnce: slow.rejectedAtOnce,
      },
      tables: [
        {
          title: 'Writes lost to a write made earlier in true time',
          columns: [
            'node',
            'clock offset (ms)',
            'writes',
            'lost',
            'lost rate',
            'rejected by its own replica',
          ],
          rows: rows.map((r) => [
            r.id,
            r.offset,
            r.writes,
            r.lost,
            round(r.lost / r.writes, 4),
            r.rejectedAtOnce,
          ]),
        },
      ],
      traceHash: cluster.world.traceHash(),
    };
  },
};

interface PairCount {
  causal: number;
  causalRight: number;
  unrelated: number;
  unrelatedRight: number;
  unrelatedUnordered: number;
}

export const logicalClocksVsSkew: Scenario = {
  id: 'logical-clocks-vs-skewed-lww',
  title: 'What each clock says about the order of two writes',
  claim: 'Lamport clocks, vector clocks, HLC and TrueTime all fix the skewed-LWW problem.',
  expected: 'partly',
  corrected:
    'Lamport clocks and HLC order causally related writes correctly, but unrelated writes in an arbitrary order (HLC by ' +
    'the same skewed clocks); vector clocks only say “concurrent”. Only commit wait over bounded uncertainty (TrueTime) ' +
    'or a single sequencer recovers real-time order for unrelated writes.',
  rows: ['C1'],
  run({ seed, quick }): ScenarioResult {
    const durationMs = quick ? 5_000 : 20_000;
    // Skewed wall clocks; polls feed TrueTime but do not correct them.
    const cluster = buildClockWorld(
      clockParams.parse({
        members: 3,
        actionIntervalMs: 20,
        writeChance: 0.4,
        pingChance: 0.05,
        commitChance: 0.15,
        chainChance: 0.2,
        keys: 1,
        syncIntervalMs: 500,
        disciplineClock: false,
        // Cross-region links: writes made within a message's flight of each other cannot know of each other.
        latencyMs: 20,
        jitterMs: 20,
        durationMs,
      }),
      seed,
      'hash',
      {
        keep: true,
        clocks: [
          { offsetMs: 100, driftPpm: 0 },
          { offsetMs: 0, driftPpm: 0 },
          { offsetMs: -30, driftPpm: 0 },
        ],
      },
    );
    cluster.world.runFor(durationMs);
    const { events } = cluster.recorder;
    const position = new Map(cluster.world.nodeIds().map((id, i) => [id, i]));
    const writes = events.filter((e) => e.action === 'write');
    const happenedBefore = (a: RecordedEvent, b: RecordedEvent) =>
      (b.past[position.get(a.node) as number] as number) >= a.index;
    const clocks = {
      'physical (LWW)': (a: RecordedEvent, b: RecordedEvent) =>
        lwwWins(
          b.write as NonNullable<RecordedEvent['write']>,
          a.write as NonNullable<RecordedEvent['write']>,
        ),
      Lamport: (a: RecordedEvent, b: RecordedEvent) =>
        b.lamport > a.lamport || (b.lamport === a.lamport && b.node > a.node),
      HLC: (a: RecordedEvent, b: RecordedEvent) => {
        const c = compareHlc(b.hlc, a.hlc);
        return c > 0 || (c === 0 && b.node > a.node);
      },
      vector: (a: RecordedEvent, b: RecordedEvent) => compareVectors(a.vector, b.vector) === 'before',
    } as const;
    const counts = new Map<string, PairCount>(
      Object.keys(clocks).map((name) => [
        name,
        { causal: 0, causalRight: 0, unrelated: 0, unrelatedRight: 0, unrelatedUnordered: 0 },
      ]),
    );
    for (let i = 0; i < writes.length; i++)
      for (let j = i + 1; j < writes.length; j++) {
        const a = writes[i] as RecordedEvent;
        const b = writes[j] as RecordedEvent;
        if (a.node === b.node || !(a.t < b.t)) continue;
        const causal = happenedBefore(a, b);
        for (const [name, ordersRight] of Object.entries(clocks)) {
          const count = counts.get(name) as PairCount;
          const right = ordersRight(a, b);
          if (causal) {
            count.causal++;
            if (right) count.causalRight++;
          } else {
            count.unrelated++;
            if (right) count.unrelatedRight++;
            if (name === 'vector' && compareVectors(a.vector, b.vector) === 'concurrent')
              count.unrelatedUnordered++;
          }
        }
      }
    // TrueTime: of commits that began after another had committed (in true time), how many got the larger s.
    const begins = events.filter((e) => e.action === 'commit-begin');
    const ends = events.filter((e) => e.action === 'commit');
    let ttPairs = 0;
    let ttRight = 0;
    let ttCausal = 0;
    let ttCausalRight = 0;
    for (const end of ends)
      for (const begin of begins)
        if (begin.t > end.t && begin.node !== end.node) {
          const right = (begin.s as number) > (end.s as number);
          if (happenedBefore(end, begin)) {
            ttCausal++;
            if (right) ttCausalRight++;
          } else {
            ttPairs++;
            if (right) ttRight++;
          }
        }
    const share = (n: number, of: number) => (of > 0 ? n / of : 0);
    const c = (name: string) => counts.get(name) as PairCount;
    const logicalCausalRight = ['Lamport', 'HLC', 'vector'].every((n) => c(n).causalRight === c(n).causal);
    const unrelatedWrong = ['Lamport', 'HLC'].every((n) => c(n).unrelatedRight < c(n).unrelated);
    const vectorSilent = c('vector').unrelatedUnordered === c('vector').unrelated;
    const trueTimeRight = ttPairs > 0 && ttRight === ttPairs && ttCausalRight === ttCausal;
    const allFix = ['Lamport', 'HLC'].every((n) => c(n).unrelatedRight === c(n).unrelated) && trueTimeRight;
    const observed = allFix
      ? 'holds'
      : logicalCausalRight && unrelatedWrong && vectorSilent && trueTimeRight
        ? 'partly'
        : 'fails';
    return {
      observed,
      summary:
        `Clocks at +100, 0 and −30 ms. Of ${c('Lamport').causal} causally related write pairs, Lamport, HLC and vector clocks ` +
        `ordered all correctly, the skewed wall clocks ${pct(share(c('physical (LWW)').causalRight, c('physical (LWW)').causal))}. ` +
        `Of ${c('Lamport').unrelated} unrelated pairs (the later one could not know of the earlier), Lamport put ` +
        `${pct(share(c('Lamport').unrelatedRight, c('Lamport').unrelated))} in real-time order, HLC ` +
        `${pct(share(c('HLC').unrelatedRight, c('HLC').unrelated))}, vector clocks called all of them concurrent. ` +
        `With TrueTime and commit wait, ${ttRight} of ${ttPairs} unrelated commit pairs (one began after the other had ` +
        `committed) got timestamps in real-time order.`,
      measurements: {
        causalPairs: c('Lamport').causal,
        unrelatedPairs: c('Lamport').unrelated,
        physicalCausalRight: share(c('physical (LWW)').causalRight, c('physical (LWW)').causal),
        physicalUnrelatedRight: share(c('physical (LWW)').unrelatedRight, c('physical (LWW)').unrelated),
        lamportUnrelatedRight: share(c('Lamport').unrelatedRight, c('Lamport').unrelated),
        hlcUnrelatedRight: share(c('HLC').unrelatedRight, c('HLC').unrelated),
        vectorUnrelatedConcurrent: share(c('vector').unrelatedUnordered, c('vector').unrelated),
        trueTimeUnrelatedCommitPairs: ttPairs,
        trueTimeUnrelatedCommitPairsRight: share(ttRight, ttPairs),
      },
      tables: [
        {
          title: 'Pairs of writes on different nodes, the second later in true time',
          columns: [
            'clock',
            'causally related: in real-time order',
            'unrelated: in real-time order',
            'unrelated: no order given',
          ],
          rows: [
            ...[...counts.entries()].map(([name, k]) => [
              name,
              round(share(k.causalRight, k.causal), 4),
              round(share(k.unrelatedRight, k.unrelated), 4),
              round(name === 'vector' ? share(k.unrelatedUnordered, k.unrelated) : 0, 4),
            ]),
            [
              'TrueTime + commit wait (commit pairs)',
              round(share(ttCausalRight, ttCausal), 4),
              round(share(ttRight, ttPairs), 4),
              0,
            ],
          ],
        },
      ],
      traceHash: cluster.world.traceHash(),
    };
  },
};

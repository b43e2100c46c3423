/** Logical clocks against the true causal order: Lamport, vector clocks and hybrid logical clocks. */
import { catchViolation } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../../contract';
import { buildClockWorld, clockParams } from '../cluster';
import type { RecordedEvent } from '../recorder';
import { compareVectors } from '../vector';
import { pct, round } from './common';

/**
 * Reachability in the event graph, computed from the graph alone: each event's causal past is the union of
 * its predecessors' pasts (the previous event on its node, the send it received) and itself, as bit sets.
 */
function reachability(events: readonly RecordedEvent[]): Uint32Array[] {
  const words = Math.ceil(events.length / 32);
  const past: Uint32Array[] = [];
  events.forEach((e, i) => {
    const bits = new Uint32Array(words);
    for (const p of [e.previous, e.sentBy]) {
      if (p === undefined) continue;
      const other = past[p] as Uint32Array;
      for (let w = 0; w < words; w++) bits[w] = (bits[w] as number) | (other[w] as number);
    }
    bits[i >> 5] = (bits[i >> 5] as number) | (1 << (i & 31));
    past.push(bits);
  });
  return past;
}

export const happensBeforeExact: Scenario = {
  id: 'lamport-and-vector-clocks',
  title: 'Lamport clocks respect happened-before; vector clocks capture it exactly',
  claim:
    'Lamport: A happened-before B ⇒ L(A) < L(B), not the converse; vector clocks detect concurrency exactly ' +
    '({A1,B2} vs {A2,B1} conflict; {A1,B2} vs {A1,B3} ordered).',
  expected: 'holds',
  rows: ['C1'],
  run({ seed, quick }): ScenarioResult {
    const durationMs = quick ? 1_500 : 5_000;
    const cluster = buildClockWorld(clockParams.parse({ durationMs }), seed, 'hash', { keep: true });
    cluster.world.runFor(durationMs);
    const { events } = cluster.recorder;
    const past = reachability(events);
    let pairs = 0;
    let ordered = 0;
    let lamportViolations = 0;
    let lamportOrderedConcurrent = 0;
    let concurrent = 0;
    let vectorWrongOrdered = 0;
    let vectorWrongConcurrent = 0;
    for (let b = 0; b < events.length; b++) {
      const eb = events[b] as RecordedEvent;
      const bits = past[b] as Uint32Array;
      for (let a = 0; a < b; a++) {
        const ea = events[a] as RecordedEvent;
        pairs++;
        // Trace order is a linear extension of happened-before: b cannot have happened before a.
        const hb = ((bits[a >> 5] as number) & (1 << (a & 31))) !== 0;
        const vector = compareVectors(ea.vector, eb.vector);
        if (hb) {
          ordered++;
          if (!(ea.lamport < eb.lamport)) lamportViolations++;
          if (vector !== 'before') vectorWrongOrdered++;
        } else {
          concurrent++;
          if (ea.lamport < eb.lamport) lamportOrderedConcurrent++;
          if (vector !== 'concurrent') vectorWrongConcurrent++;
        }
      }
    }
    const vectorMismatches = vectorWrongOrdered + vectorWrongConcurrent;
    const examples = [
      { a: { A: 1, B: 2 }, b: { A: 2, B: 1 }, claim: 'concurrent' },
      { a: { A: 1, B: 2 }, b: { A: 1, B: 3 }, claim: 'before' },
    ].map((x) => ({ ...x, measured: compareVectors(x.a, x.b) }));
    const holds =
      lamportViolations === 0 &&
      lamportOrderedConcurrent > 0 &&
      vectorMismatches === 0 &&
      examples.every((x) => x.measured === x.claim);
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `${events.length} events, ${pairs.toLocaleString('en-US')} pairs checked against reachability in the event graph: ` +
        `${ordered.toLocaleString('en-US')} ordered by happened-before, all with L(A) < L(B) (${lamportViolations} exceptions); ` +
        `but ${pct(lamportOrderedConcurrent / concurrent)} of the ${concurrent.toLocaleString('en-US')} concurrent pairs also have ` +
        `L(A) < L(B), so a smaller Lamport time proves nothing. Vector clocks classified every pair correctly ` +
        `(${vectorMismatches} mismatches). {A1,B2} vs {A2,B1}: ${examples[0]?.measured}; {A1,B2} vs {A1,B3}: ${examples[1]?.measured}.`,
      measurements: {
        events: events.length,
        pairs,
        happenedBeforePairs: ordered,
        concurrentPairs: concurrent,
        lamportViolations,
        lamportOrderedButConcurrent: lamportOrderedConcurrent,
        vectorMismatches,
      },
      tables: [
        {
          title: 'Every pair of events, against reachability in the event graph',
          columns: ['relation', 'pairs', 'with L(A) < L(B)', 'vector clocks wrong'],
          rows: [
            ['A happened before B', ordered, ordered - lamportViolations, vectorWrongOrdered],
            ['concurrent', concurrent, lamportOrderedConcurrent, vectorWrongConcurrent],
          ],
        },
        {
          title: "The claim's examples, through compareVectors",
          columns: ['A', 'B', 'claimed', 'measured'],
          rows: examples.map((x) => [JSON.stringify(x.a), JSON.stringify(x.b), x.claim, x.measured]),
        },
      ],
      traceHash: cluster.world.traceHash(),
    };
  },
};

export const hlcBounds: Scenario = {
  id: 'hlc-bounds',
  title: 'Hybrid logical clocks: causality kept, close to physical time, small counters',
  claim:
    'A hybrid logical clock respects causality like a Lamport clock while staying within the clock skew ε of physical time, ' +
    'with a counter that stays small.',
  expected: 'holds',
  rows: ['C1'],
  run({ seed, quick }): ScenarioResult {
    const durationMs = quick ? 3_000 : 15_000;
    const params = clockParams.parse({
      members: 4,
      clockSpreadMs: 50,
      driftSpreadPpm: 100,
      actionIntervalMs: 10,
      durationMs,
    });
    const cluster = buildClockWorld(params, seed);
    const violation = catchViolation(() => cluster.world.runFor(durationMs));
    const r = cluster.recorder;
    // The broken variant: a receive forgets the message's l. Counted, not stopped at the first.
    const broken = buildClockWorld(
      clockParams.parse({ ...params, mutant: 'hlc-forget-receive-max' }),
      seed,
      'hash',
      {
        invariants: false,
      },
    );
    broken.world.runFor(durationMs);
    const holds =
      violation === undefined && r.maxLMinusPt <= r.epsilonMs && broken.recorder.violations.hlcOrder > 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `${r.eventCount} events on 4 nodes whose clocks were up to ${r.epsilonMs.toFixed(1)} ms apart (ε, measured): ` +
        `${violation ? violation.message : 'every HLC check held at every event'}; l ran at most ${r.maxLMinusPt} ms ahead of the ` +
        `node's own physical clock, and the counter reached ${r.maxCounter}. With the receive that forgets the message's l, ` +
        `${broken.recorder.violations.hlcOrder} of ${broken.recorder.eventCount} events broke causality.`,
      measurements: {
        events: r.eventCount,
        epsilonMs: r.epsilonMs,
        maxLMinusPtMs: r.maxLMinusPt,
        maxCounter: r.maxCounter,
        causalityViolations: r.violations.hlcOrder,
        brokenCausalityViolations: broken.recorder.violations.hlcOrder,
      },
      tables: [
        {
          title: 'Hybrid logical clocks, measured',
          columns: ['variant', 'events', 'causality violations', 'max l − pt (ms)', 'ε (ms)', 'max counter'],
          rows: [
            [
              'correct',
              r.eventCount,
              r.violations.hlcOrder,
              r.maxLMinusPt,
              round(r.epsilonMs, 1),
              r.maxCounter,
            ],
            [
              'receive forgets the message’s l',
              broken.recorder.eventCount,
              broken.recorder.violations.hlcOrder,
              broken.recorder.maxLMinusPt,
              round(broken.recorder.epsilonMs, 1),
              broken.recorder.maxCounter,
            ],
          ],
        },
      ],
      traceHash: cluster.world.traceHash(),
    };
  },
};

/** Physical clocks: how fast they drift, how well NTP holds them, and what an NTP step does. */
import type { TraceEvent } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../../contract';
import { buildClockWorld, clockParams, REFERENCE, type ClockCluster } from '../cluster';
import type { ClockNode } from '../node';
import { lostToEarlier, quiet, round, writesOf } from './common';

const DAY_MS = 86_400_000;
/** ntpd's longest poll interval (2^10 s). */
const MAX_POLL_MS = 1_024_000;

function errorOf(cluster: ClockCluster, id: string): number {
  return cluster.world.node<ClockNode>(id).physical.read() - cluster.world.now();
}

export const driftInPpm: Scenario = {
  id: 'drift-in-ppm',
  title: 'How far a clock drifts in a day, free-running and under NTP',
  claim: 'Physical clocks drift about 100 ms per day.',
  expected: 'fails',
  corrected:
    '100 ms a day is 1.16 ppm, a good temperature-compensated oscillator. Ordinary quartz is specified at 10–100 ppm: ' +
    '0.9–8.6 s a day free-running. NTP estimates the frequency error and corrects it, holding the clock to milliseconds. ' +
    'Model drift in ppm.',
  rows: ['C1'],
  run({ seed }): ScenarioResult {
    // The claim's own rate, then quartz across the tolerance band datasheets give (inputs, not results).
    const crystals = [1.16, 10, -20, 50, -100];
    const clocks = crystals.map((driftPpm) => ({ offsetMs: 0, driftPpm }));
    const params = (sync: number) =>
      clockParams.parse({ ...quiet, members: crystals.length, syncIntervalMs: sync });

    const free = buildClockWorld(params(0), seed, 'hash', { clocks });
    free.world.runFor(DAY_MS);
    const freeError = free.members.map((id) => errorOf(free, id));

    const synced = buildClockWorld(params(MAX_POLL_MS), seed, 'hash', { clocks });
    const worst = synced.members.map(() => 0);
    // Sample every quarter hour once the first day-hour has let the discipline settle.
    for (let t = 3_600_000; t <= DAY_MS; t += 900_000)
      synced.world.at(t, 'sample clock errors', () =>
        synced.members.forEach(
          (id, i) => (worst[i] = Math.max(worst[i] as number, Math.abs(errorOf(synced, id)))),
        ),
      );
    synced.world.runFor(DAY_MS);
    const estimated = synced.members.map((id) => synced.world.node<ClockNode>(id).snapshot().frequencyPpm);

    const quartz = crystals.map((ppm, i) => ({ ppm, i })).filter(({ ppm }) => Math.abs(ppm) >= 10);
    // "About" 100 ms: within a factor of two either way.
    const near = (ms: number) => Math.abs(ms) >= 50 && Math.abs(ms) <= 200;
    const quartzFar = quartz.every(({ i }) => Math.abs(freeError[i] as number) > 200);
    const quartzNear = quartz.every(({ i }) => near(freeError[i] as number));
    const smallest = Math.min(...quartz.map(({ i }) => Math.abs(freeError[i] as number)));
    const largest = Math.max(...quartz.map(({ i }) => Math.abs(freeError[i] as number)));
    return {
      observed: quartzNear ? 'holds' : quartzFar ? 'fails' : 'partly',
      summary:
        `Free-running for a day, the clock at 1.16 ppm ended ${(freeError[0] as number).toFixed(0)} ms off — the claim's figure — ` +
        `but quartz at 10–100 ppm ended ${(smallest / 1000).toFixed(2)}–${(largest / 1000).toFixed(2)} s off. Polling NTP every ` +
        `${MAX_POLL_MS / 1000} s, each node estimated its own error within ` +
        `${Math.max(...crystals.map((ppm, i) => Math.abs((estimated[i] as number) - ppm))).toFixed(2)} ppm and stayed within ` +
        `${Math.max(...worst).toFixed(1)} ms of true time.`,
      measurements: {
        claimRateDayErrorMs: freeError[0] as number,
        quartzSmallestDayErrorMs: smallest,
        quartzLargestDayErrorMs: largest,
        ntpWorstErrorMs: Math.max(...worst),
        ntpWorstFrequencyErrorPpm: Math.max(
          ...crystals.map((ppm, i) => Math.abs((estimated[i] as number) - ppm)),
        ),
      },
      tables: [
        {
          title: 'One simulated day per clock',
          columns: [
            'oscillator error (ppm, input)',
            'free-running error after 24 h (ms)',
            'NTP-estimated frequency (ppm)',
            'worst error under NTP (ms)',
          ],
          rows: crystals.map((ppm, i) => [
            ppm,
            round(freeError[i] as number, 1),
            round(estimated[i] as number, 3),
            round(worst[i] as number, 2),
          ]),
        },
      ],
      traceHash: synced.world.traceHash(),
    };
  },
};

export const ntpError: Scenario = {
  id: 'ntp-error',
  title: 'NTP error on a LAN and across an asymmetric Internet path',
  claim: 'NTP error is 1–10 ms.',
  expected: 'partly',
  corrected:
    'On a LAN NTP holds clocks well under a millisecond. Across the Internet the error is tens of milliseconds or more: ' +
    'NTP assumes both directions take equally long, so a path that is slower one way sets the clock off by half the difference, ' +
    'and no amount of polling can see it.',
  rows: ['C1'],
  run({ seed, quick }): ScenarioResult {
    const durationMs = quick ? 120_000 : 400_000;
    const settleMs = durationMs / 2;
    const paths = [
      { name: 'LAN', out: { min: 0.05, max: 0.25 }, back: { min: 0.05, max: 0.25 } },
      { name: 'Internet, asymmetric', out: { min: 5, max: 15 }, back: { min: 30, max: 70 } },
    ];
    const results = paths.map((path) => {
      const cluster = buildClockWorld(
        clockParams.parse({
          ...quiet,
          members: 4,
          syncIntervalMs: 2_000,
          clockSpreadMs: 20,
          driftSpreadPpm: 20,
          durationMs,
        }),
        seed,
      );
      for (const id of cluster.members) {
        cluster.world.network.configure(id, REFERENCE, { latency: { kind: 'uniform', ...path.out } });
        cluster.world.network.configure(REFERENCE, id, { latency: { kind: 'uniform', ...path.back } });
      }
      const errors: number[] = [];
      for (let t = settleMs; t <= durationMs; t += 500)
        cluster.world.at(t, 'sample clock errors', () => {
          for (const id of cluster.members) errors.push(Math.abs(errorOf(cluster, id)));
        });
      cluster.world.runFor(durationMs);
      errors.sort((a, b) => a - b);
      return {
        name: path.name,
        median: errors[Math.floor(errors.length / 2)] as number,
        p99: errors[Math.floor(errors.length * 0.99)] as number,
        halfAsymmetry: (path.back.min + path.back.max - path.out.min - path.out.max) / 4,
        hash: cluster.world.traceHash(),
      };
    });
    const [lan, internet] = results as [(typeof results)[0], (typeof results)[0]];
    // The claim's range is 1–10 ms: below it on a LAN and above it across the Internet means "only sometimes".
    const lanBelow = lan.median < 1;
    const internetAbove = internet.median > 10;
    return {
      observed:
        lanBelow && internetAbove
          ? 'partly'
          : !lanBelow && !internetAbove && lan.median >= 1
            ? 'holds'
            : 'fails',
      summary:
        `Polling every 2 s, clocks on a LAN (0.05–0.25 ms each way) stayed ${lan.median.toFixed(3)} ms from true time (median, ` +
        `p99 ${lan.p99.toFixed(3)} ms); across an Internet path of 5–15 ms out and 30–70 ms back, ${internet.median.toFixed(1)} ms ` +
        `(p99 ${internet.p99.toFixed(1)} ms) — about half the mean asymmetry, ${internet.halfAsymmetry.toFixed(0)} ms.`,
      measurements: {
        lanMedianErrorMs: lan.median,
        lanP99ErrorMs: lan.p99,
        internetMedianErrorMs: internet.median,
        internetP99ErrorMs: internet.p99,
        internetHalfAsymmetryMs: internet.halfAsymmetry,
      },
      tables: [
        {
          title: `|clock − true time| over the second half of ${durationMs / 1000} s, 4 clients`,
          columns: ['path', 'median (ms)', 'p99 (ms)', 'half the mean asymmetry (ms)'],
          rows: results.map((r) => [r.name, round(r.median, 3), round(r.p99, 3), round(r.halfAsymmetry, 1)]),
        },
      ],
      traceHash: lan.hash,
    };
  },
};

export const ntpStepsBack: Scenario = {
  id: 'ntp-step-backwards',
  title: 'An NTP step moves the wall clock backwards',
  claim: 'NTP steps can move a clock backwards; code that orders by wall clock misbehaves.',
  expected: 'holds',
  rows: ['C1'],
  run({ seed }): ScenarioResult {
    const cluster = buildClockWorld(
      clockParams.parse({
        members: 2,
        clockSpreadMs: 0,
        driftSpreadPpm: 0,
        syncIntervalMs: 1_000,
        actionIntervalMs: 10,
        writeChance: 0.5,
        pingChance: 0.4,
        commitChance: 0,
        keys: 1,
      }),
      seed,
      'hash',
      { keep: true },
    );
    const steps: { t: number; offsetMs: number }[] = [];
    cluster.world.onTrace((event: TraceEvent) => {
      if (
        event.kind === 'node' &&
        event.node === 'n1' &&
        event.name === 'ntp' &&
        event.data?.correction === 'step'
      )
        steps.push({ t: event.t, offsetMs: event.data.offsetMs as number });
    });
    // The hardware clock jumps 300 ms ahead (a bad read after a VM migration, say); NTP's next poll steps it back.
    cluster.world.at(1_500, 'n1 clock jumps 300 ms ahead', () => cluster.world.clock('n1').jump(300));
    cluster.world.runFor(4_000);

    const mine = cluster.recorder.events.filter((e) => e.node === 'n1');
    let wallBackwards = 0;
    let largestBackMs = 0;
    let hlcBackwards = 0;
    for (let i = 1; i < mine.length; i++) {
      const [a, b] = [mine[i - 1], mine[i]] as [(typeof mine)[0], (typeof mine)[0]];
      if (b.pt < a.pt) {
        wallBackwards++;
        largestBackMs = Math.max(largestBackMs, a.pt - b.pt);
      }
      if (b.hlc.l < a.hlc.l) hlcBackwards++;
    }
    // Events sorted by their wall-clock stamp instead of the order they happened in.
    const sorted = [...mine].sort((a, b) => a.pt - b.pt || a.index - b.index);
    const misplaced = sorted.filter((e, i) => e.index !== (mine[i] as (typeof mine)[0]).index).length;
    const writes = writesOf(mine);
    const lost = lostToEarlier(writes);
    const stepBack = steps.find((s) => s.offsetMs < 0);
    const holds = stepBack !== undefined && wallBackwards > 0 && hlcBackwards === 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `n1's clock jumped 300 ms ahead at 1.5 s; at ${stepBack ? (stepBack.t / 1000).toFixed(2) : '—'} s NTP stepped it by ` +
        `${stepBack ? stepBack.offsetMs.toFixed(1) : '—'} ms. Its wall-clock stamps went backwards ${wallBackwards} time(s), by up to ` +
        `${largestBackMs} ms: sorted by wall clock, ${misplaced} of its ${mine.length} events land out of order, and ${lost.size} of its ` +
        `${writes.length} last-write-wins writes lose to its own earlier writes. Its HLC never went back (${hlcBackwards}).`,
      measurements: {
        stepMs: stepBack?.offsetMs ?? 0,
        wallClockBackwards: wallBackwards,
        largestBackwardsMs: largestBackMs,
        eventsMisplacedByWallClock: misplaced,
        ownWritesLost: lost.size,
        hlcBackwards,
      },
      tables: [
        {
          title: "n1's events around the step",
          columns: ['true time (ms)', 'event', 'wall clock pt (ms)', 'HLC', 'Lamport'],
          rows: mine
            .filter((e) => stepBack && Math.abs(e.t - stepBack.t) < 40)
            .map((e) => [
              round(e.t, 2),
              `${e.kind}${e.action ? ' ' + e.action : ''}`,
              e.pt,
              `${e.hlc.l}.${e.hlc.c}`,
              e.lamport,
            ]),
        },
      ],
      traceHash: cluster.world.traceHash(),
    };
  },
};

import { describe, expect, it } from 'vitest';
import { clockSystem } from './index';
import { buildClockWorld, clockParams } from './cluster';
import { HybridLogicalClock } from './hlc';
import { LamportClock } from './lamport';
import { LwwStore, type LwwWrite } from './lww';
import { DisciplinedClock, ntpSample, ntpdDefaults } from './physical';
import { TrueTime } from './truetime';
import { compareVectors, VectorClock } from './vector';

/** A hand-driven clock: raw time and monotonic time set by the test. */
function handClock() {
  const c = { raw: 0, mono: 0, now: () => c.raw, monotonic: () => c.mono };
  return c;
}

describe('Lamport and vector clocks', () => {
  it('a receive takes the maximum first; the broken variant does not', () => {
    const clock = new LamportClock();
    clock.tick();
    expect(clock.receive(10)).toBe(11);
    expect(new LamportClock(0, 'lamport-forget-max').receive(10)).toBe(1);
  });

  it('vectors compare as happened-before, after, equal or concurrent', () => {
    expect(compareVectors({ A: 1, B: 2 }, { A: 2, B: 1 })).toBe('concurrent');
    expect(compareVectors({ A: 1, B: 2 }, { A: 1, B: 3 })).toBe('before');
    expect(compareVectors({ A: 1, B: 3 }, { A: 1, B: 2 })).toBe('after');
    expect(compareVectors({ A: 1 }, { A: 1, B: 0 })).toBe('equal');
    const a = new VectorClock('A');
    const b = new VectorClock('B');
    const sent = a.tick();
    b.tick();
    expect(b.receive(sent)).toEqual({ A: 1, B: 2 });
    expect(new VectorClock('B', {}, 'vector-forget-merge').receive(sent)).toEqual({ B: 1 });
  });
});

describe('hybrid logical clocks', () => {
  it('follows physical time when it moves, counts when it does not, and takes the message l on receive', () => {
    const hlc = new HybridLogicalClock();
    expect(hlc.tick(100)).toEqual({ l: 100, c: 0 });
    expect(hlc.tick(100)).toEqual({ l: 100, c: 1 });
    expect(hlc.tick(99)).toEqual({ l: 100, c: 2 }); // physical time went back: l holds
    expect(hlc.receive({ l: 150, c: 4 }, 101)).toEqual({ l: 150, c: 5 });
    expect(hlc.tick(200)).toEqual({ l: 200, c: 0 });
  });

  it('each broken variant breaks the property its invariant checks', () => {
    expect(
      new HybridLogicalClock({ l: 100, c: 0 }, 'hlc-forget-receive-max').receive({ l: 150, c: 0 }, 101).l,
    ).toBe(101);
    expect(
      new HybridLogicalClock({ l: 100, c: 0 }, 'hlc-receive-forgets-physical-time').receive(
        { l: 90, c: 0 },
        120,
      ).l,
    ).toBe(100);
    const never = new HybridLogicalClock({ l: 100, c: 3 }, 'hlc-counter-never-resets');
    expect(never.tick(200)).toEqual({ l: 200, c: 4 });
  });
});

describe('NTP discipline', () => {
  it('computes offset and delay as RFC 5905 does; asymmetry shows up as half its size', () => {
    // Server 10 ms ahead, 2 ms out, 8 ms back: θ reads 10 − (8 − 2)/2 = 7.
    const sample = ntpSample(0, 12, 12, 10);
    expect(sample.delayMs).toBe(10);
    expect(sample.offsetMs).toBe(7);
  });

  it('steps offsets beyond 128 ms (backwards when ahead) and slews smaller ones at 500 ppm', () => {
    const hand = handClock();
    const clock = new DisciplinedClock(hand);
    hand.raw = 1_000;
    hand.mono = 1_000;
    clock.read();
    expect(clock.apply({ offsetMs: -300, delayMs: 1 })).toBe('step');
    expect(clock.read()).toBe(700);
    expect(clock.apply({ offsetMs: 10, delayMs: 1 })).toBe('slew');
    hand.raw += 1_000;
    hand.mono += 1_000;
    expect(clock.read()).toBeCloseTo(1_700 + 0.5, 9); // 500 ppm of a second
    hand.raw += 100_000;
    hand.mono += 100_000;
    expect(clock.read()).toBeCloseTo(101_700 + 10, 9); // the whole 10 ms, no more
  });

  it('estimates the frequency error from how the raw offset moves over long intervals', () => {
    const hand = handClock();
    const clock = new DisciplinedClock(hand, ntpdDefaults);
    const drift = 50e-6; // the raw clock gains 50 µs per second
    for (let t = 0; t <= 64_000; t += 16_000) {
      hand.mono = t * (1 + drift);
      hand.raw = t * (1 + drift);
      const offset = t - clock.read();
      clock.apply({ offsetMs: offset, delayMs: 0 });
    }
    expect(clock.estimatedFrequencyPpm).toBeCloseTo(50, 1);
  });
});

describe('TrueTime', () => {
  it('brackets true time with the round trip, widening with the drift bound', () => {
    const tt = new TrueTime(200);
    tt.sync({ t3: 1_000, holdMs: 0, sentMono: 0, receivedMono: 4 });
    const at = tt.now(1_004) as { earliest: number; latest: number };
    expect(at.earliest).toBeCloseTo(1_000 + 1_000 / 1.0002, 9);
    expect(at.latest).toBeCloseTo(1_000 + 4 / 0.9998 + 1_000 / 0.9998, 9);
    const trusting = new TrueTime(200, 'truetime-ignore-drift');
    trusting.sync({ t3: 1_000, holdMs: 0, sentMono: 0, receivedMono: 4 });
    expect(trusting.now(1_004)).toEqual({ earliest: 2_000, latest: 2_004 });
    expect(new TrueTime(200).now(0)).toBeUndefined();
  });
});

describe('last-write-wins', () => {
  const w = (id: string, ts: number, node: string): LwwWrite => ({ id, key: 'k', ts, node });

  it('keeps the largest timestamp whatever the arrival order; the broken variant keeps the last arrival', () => {
    const a = new LwwStore();
    const b = new LwwStore();
    const x = w('x', 10, 'n1');
    const y = w('y', 20, 'n2');
    a.apply(x);
    a.apply(y);
    b.apply(y);
    expect(b.apply(x)).toBe(false);
    expect(a.get('k')).toEqual(b.get('k'));
    const broken = new LwwStore([], 'lww-last-arrival-wins');
    broken.apply(y);
    broken.apply(x);
    expect(broken.get('k')?.id).toBe('x');
  });
});

describe('the clocks system', () => {
  it('a free run is deterministic, stamps its events and its invariants hold', () => {
    const params = clockParams.parse({});
    const a = clockSystem.run!(params, 2);
    const b = clockSystem.run!(params, 2);
    expect(a).toEqual(b);
    expect(a.checks.invariants).toBeUndefined();
    expect(a.metrics.events).toBeGreaterThan(500);
    expect(a.metrics.commits).toBeGreaterThan(10);
    expect(clockSystem.run!(params, 3).traceHash).not.toBe(a.traceHash);
  });

  it('every event is traced with its stamps, for the timeline', () => {
    const cluster = buildClockWorld(clockParams.parse({}), 4, 'record');
    cluster.world.runFor(200);
    const stamps = cluster.world.events.filter((e) => e.kind === 'node' && e.name === 'stamp');
    expect(stamps.length).toBeGreaterThan(20);
    for (const e of stamps) {
      if (e.kind !== 'node') continue;
      expect(e.data).toMatchObject({
        lamport: expect.any(Number),
        vector: expect.any(Object),
        hlc: { l: expect.any(Number), c: expect.any(Number) },
        pt: expect.any(Number),
      });
    }
  });

  it('a restarted node continues its process order from disk', () => {
    const cluster = buildClockWorld(clockParams.parse({}), 5);
    cluster.world.runFor(500);
    cluster.world.crash('n1');
    cluster.world.runFor(100);
    cluster.world.restart('n1');
    cluster.world.runFor(500);
    expect(cluster.recorder.problems).toEqual({});
  });

  it('the mutants fail with messages that say what broke', () => {
    const fuzz = clockSystem.fuzz!;
    expect(fuzz.run(0, { mutant: 'hlc-forget-receive-max' }).failure).toMatch(
      /happened before .* but its HLC/,
    );
    expect(fuzz.run(0, { mutant: 'skip-commit-wait' }).failure).toMatch(
      /started at .* with s = .*already committed/,
    );
    expect(fuzz.run(0, { mutant: 'lww-last-arrival-wins' }).failure).toMatch(
      /holds .* not .* the largest timestamp/,
    );
  });

  it('rejects bad params and unknown mutants with a clear error', () => {
    expect(() => clockParams.parse({ members: 1 })).toThrow();
    expect(() => clockParams.parse({ bogus: 1 })).toThrow();
    expect(() => clockSystem.fuzz!.run(1, { mutant: 'nope' })).toThrow(/unknown mutant 'nope' of clocks/);
  });
});

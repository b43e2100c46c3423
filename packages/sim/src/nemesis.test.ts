import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from './rng';
import { World } from './world';
import { applyFaultSchedule, randomFaultSchedule, type FaultStep } from './nemesis';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];

function downAt(schedule: readonly FaultStep[], time: number): Set<string> {
  const down = new Set<string>();
  for (const step of schedule) {
    if (step.at > time) break;
    if (step.fault.kind === 'crash') down.add(step.fault.node);
    if (step.fault.kind === 'restart') down.delete(step.fault.node);
  }
  return down;
}

describe('nemesis', () => {
  it('random schedules are sorted, keep a majority up, and end fully healed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        const schedule = randomFaultSchedule(new Rng(seed), nodes, {
          endMs: 5_000,
          meanIntervalMs: 100,
          maxDurationMs: 800,
        });
        for (let i = 1; i < schedule.length; i++)
          expect(schedule[i]!.at).toBeGreaterThanOrEqual(schedule[i - 1]!.at);
        for (const step of schedule) expect(downAt(schedule, step.at).size).toBeLessThanOrEqual(2);
        const world = new World({ seed });
        for (const id of nodes)
          world.addNode(id, () => ({ onMessage: () => undefined, snapshot: () => null }));
        applyFaultSchedule(world, schedule);
        world.runFor(5_001);
        for (const id of nodes) {
          expect(world.isUp(id)).toBe(true);
          expect(world.isPaused(id)).toBe(false);
          expect(world.clock(id).driftPpm()).toBe(0);
        }
        expect(world.network.state).toBe('healthy');
      }),
      { numRuns: 50 },
    );
  });

  it('the same seed gives the same schedule; families can be restricted', () => {
    const a = randomFaultSchedule(new Rng(9), nodes, {
      endMs: 3_000,
      meanIntervalMs: 50,
      maxDurationMs: 300,
      families: ['crash'],
    });
    const b = randomFaultSchedule(new Rng(9), nodes, {
      endMs: 3_000,
      meanIntervalMs: 50,
      maxDurationMs: 300,
      families: ['crash'],
    });
    expect(a).toEqual(b);
    const kinds = new Set(a.filter((s) => s.at < 3_000).map((s) => s.fault.kind));
    expect([...kinds].sort()).toEqual(['crash', 'restart']);
  });
});

// The challenge presets judge their targets from the run's figures only: strictly below the limit is
// met, at or above is not, and a figure the run did not produce (no stable latency) is not met.
import { describe, expect, it } from 'vitest';
import { judgeTargets, presetNamed, presetNames } from './presets';
import type { WorkbenchResult } from './run';

const result = (perOp: number, stable?: { p50: number; max: number }) =>
  ({
    messages: { betweenNodesPerOperation: perOp },
    details: stable ? { stableLatencyMs: stable } : {},
  }) as unknown as WorkbenchResult;

describe('workbench presets', () => {
  it('judge each target from the measured figures', () => {
    const p = presetNamed('broadcast-efficiency');
    expect(p.options).toMatchObject({ nodeCount: 25, latencyMs: 100, rate: 100, timeLimitS: 20 });
    expect(judgeTargets(p, result(29.9, { p50: 399, max: 599 })).map((t) => t.met)).toEqual([
      true,
      true,
      true,
    ]);
    expect(judgeTargets(p, result(30, { p50: 400, max: 600 })).map((t) => t.met)).toEqual([
      false,
      false,
      false,
    ]);
    const two = judgeTargets(presetNamed('broadcast-efficiency-2'), result(8, { p50: 516, max: 1102 }));
    expect(two.map((t) => [t.what, t.measured, t.met])).toEqual([
      ['messages between nodes per operation', 8, true],
      ['median stable latency', 516, true],
      ['maximum stable latency', 1102, true],
    ]);
    expect(judgeTargets(p, result(5)).map((t) => t.met)).toEqual([true, false, false]);
  });

  it('refuse an unknown name, listing the known ones', () => {
    expect(() => presetNamed('broadcast-fast')).toThrow(/unknown preset 'broadcast-fast' \(known: echo, /);
    expect(presetNames).toContain('broadcast-efficiency-2');
  });
});

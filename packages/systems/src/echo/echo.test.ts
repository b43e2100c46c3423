import { describe, expect, it } from 'vitest';
import { echoSystem } from './index';
import { echoParams } from './cluster';

describe('echo system', () => {
  // Every scenario's verdict in quick mode is asserted by registry.test.ts.

  it('measures loss compounding near 1 − (1 − p)²', async () => {
    const scenario = echoSystem.scenarios.find((s) => s.id === 'loss-compounds')!;
    const result = await scenario.run({ seed: 3, quick: true });
    expect(result.measurements.failedAt10Percent).toBeGreaterThan(0.16);
    expect(result.measurements.failedAt10Percent).toBeLessThan(0.22);
  });

  it('a free run is deterministic and its invariants hold', () => {
    const params = echoParams.parse({});
    const a = echoSystem.run!(params, 5);
    const b = echoSystem.run!(params, 5);
    expect(a).toEqual(b);
    expect(a.checks.invariants).toBeUndefined();
    expect(a.metrics.answered).toBeGreaterThan(0);
  });

  it('each mutant trips its own invariant with a message that says what broke', () => {
    const wrong = echoSystem.fuzz!.run(0, { mutant: 'wrong-reply' });
    expect(wrong.check).toBe('no unexpected replies');
    expect(wrong.failure).toMatch(/replies to requests it never sent/);
    const late = echoSystem.fuzz!.run(0, { mutant: 'count-late-reply' });
    expect(late.check).toBe('every request accounted for');
    expect(late.failure).toMatch(/sent \d+ ≠ answered/);
  });

  it('rejects bad params and unknown mutants with a clear error', () => {
    expect(() => echoParams.parse({ nodes: 1 })).toThrow();
    expect(() => echoParams.parse({ bogus: 1 })).toThrow();
    expect(() => echoSystem.fuzz!.run(1, { mutant: 'nope' })).toThrow(/unknown mutant 'nope' of echo/);
  });
});

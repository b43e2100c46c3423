import { describe, expect, it } from 'vitest';
import { SLOT_COUNT } from '../hashring/slots';
import { buildSlotCluster, initialOwners, runSlotCluster, slotParams } from './cluster';
import { slotMigrationSystem } from './index';
import { stressParams } from './scenarios';

describe('slot migration', () => {
  it('assigns contiguous slot ranges like redis-cli --cluster create', () => {
    const owners = initialOwners(['a', 'b', 'c']);
    expect(owners).toHaveLength(SLOT_COUNT);
    expect([owners[0], owners[5460], owners[5461], owners[10922], owners[10923], owners[16383]]).toEqual([
      'a',
      'a',
      'b',
      'b',
      'c',
      'c',
    ]);
  });

  it('moves slots under load: every key ends on its new owner, clients saw MOVED and ASK, the history is linearizable', () => {
    const params = slotParams.parse(stressParams);
    const cluster = buildSlotCluster(params, 7);
    const result = runSlotCluster(cluster, params.durationMs);
    expect(result.migrationsDone).toBe(params.migrations);
    expect(result.misplacedKeys).toBe(0);
    expect(result.redirects.moved).toBeGreaterThan(0);
    expect(result.redirects.ask).toBeGreaterThan(0);
    expect(result.finalReadsFailed).toBe(0);
    expect(result.check.verdict).toBe('linearizable');
  });

  it('the checker catches a source that deletes a key before the target has it', () => {
    const outcome = slotMigrationSystem.fuzz?.run(0, { mutant: 'delete-before-ack' });
    expect(outcome?.ok).toBe(false);
    expect(outcome?.check).toBe('linearizable');
    expect(slotMigrationSystem.fuzz?.run(0).ok).toBe(true);
  });

  it('is deterministic per seed', () => {
    const a = slotMigrationSystem.fuzz?.run(3);
    const b = slotMigrationSystem.fuzz?.run(3);
    expect(a?.traceHash).toBe(b?.traceHash);
  });

  it('its scenario gives the expected verdict', async () => {
    const [scenario] = slotMigrationSystem.scenarios;
    const result = await scenario?.run({ seed: 1, quick: true });
    expect(result?.observed).toBe(scenario?.expected);
    expect(result?.measurements.mutantViolations).toBeGreaterThan(0);
  });
});

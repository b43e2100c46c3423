import { catchViolation } from '@dslab/sim';
import { describe, expect, it } from 'vitest';
import {
  buildPlogCluster,
  checkRun,
  drainCluster,
  firstFinding,
  partitionProgress,
  plogParams,
} from './cluster';

describe('plog cluster', () => {
  it('a fault-free run: every acknowledged record is consumed, the checker finds nothing', () => {
    const cluster = buildPlogCluster(plogParams.parse({ durationMs: 1_000 }), 1);
    const violation = catchViolation(() => {
      cluster.world.runFor(1_000);
      expect(drainCluster(cluster, 5_000)).toBe(true);
    });
    expect(violation?.message).toBeUndefined();
    const result = checkRun(cluster);
    expect(firstFinding(result)).toBeUndefined();
    expect(result.stats.sends.ok).toBeGreaterThan(300);
    expect(result.stats.recordsRead).toBeGreaterThanOrEqual(result.stats.sends.ok);
    for (const p of partitionProgress(cluster)) expect(p.committed).toBe(p.logEnd);
  });
});

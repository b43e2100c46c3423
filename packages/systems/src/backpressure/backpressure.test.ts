import { describe, expect, it } from 'vitest';
import { backpressureParams, buildBackpressureWorld, stopProducingAt } from './cluster';
import { WorkQueue, type Queued } from './queue';
import { littleCheck, runFor } from './scenarios/common';
import { backpressureSystem } from './index';

const item = (id: number, priority: Queued['priority']): Queued => ({
  id,
  attempt: 1,
  priority,
  from: 'p',
  timeoutMs: 100,
  arrivedAt: id,
});

describe('WorkQueue', () => {
  it('refuses at its bound and serves oldest first', () => {
    const q = new WorkQueue({ bound: 2, overflow: 'refuse', order: 'fifo', lifoAbove: 0 });
    expect(q.offer(item(1, 'low')).admitted).toBe(true);
    expect(q.offer(item(2, 'high')).admitted).toBe(true);
    expect(q.offer(item(3, 'high')).admitted).toBe(false);
    expect(q.take()?.id).toBe(1);
    expect(q.take()?.id).toBe(2);
    expect(q.take()).toBeUndefined();
  });

  it('sheds the newest low-priority request for a high-priority one, and refuses a low one at the bound', () => {
    const q = new WorkQueue({ bound: 3, overflow: 'shed-low', order: 'fifo', lifoAbove: 0 });
    q.offer(item(1, 'low'));
    q.offer(item(2, 'low'));
    q.offer(item(3, 'high'));
    const admission = q.offer(item(4, 'high'));
    expect(admission).toEqual({ admitted: true, evicted: item(2, 'low') });
    expect(q.offer(item(5, 'low')).admitted).toBe(false);
    q.offer(item(6, 'high'));
    // No low one left: a high newcomer is refused rather than pushing out another high one.
    expect(q.offer(item(7, 'high')).admitted).toBe(false);
    expect(q.highShedWhileLowQueued).toBe(0);
    expect([q.take()?.id, q.take()?.id, q.take()?.id]).toEqual([3, 4, 6]);
  });

  it('serves newest first only while the queue is longer than the adaptive-LIFO threshold', () => {
    const q = new WorkQueue({ bound: 10, overflow: 'refuse', order: 'adaptive-lifo', lifoAbove: 2 });
    for (let i = 1; i <= 4; i++) q.offer(item(i, 'low'));
    expect(q.take()?.id).toBe(4);
    expect(q.take()?.id).toBe(3);
    expect(q.take()?.id).toBe(1);
  });

  it('rejects a bound below one', () => {
    expect(() => new WorkQueue({ bound: 0, overflow: 'refuse', order: 'fifo', lifoAbove: 0 })).toThrow(
      /bound 0/,
    );
  });
});

describe('backpressure runs', () => {
  it("Little's law holds on a drained run, and the same seed replays the same trace", () => {
    const overrides = {
      rate: 70,
      overflow: 'unbounded' as const,
      maxAttempts: 1,
      timeoutMs: 600_000,
      durationMs: 20_000,
    };
    const a = runFor(overrides, 3, { drain: true });
    const b = runFor(overrides, 3, { drain: true });
    expect(a.world.traceHash()).toBe(b.world.traceHash());
    const little = littleCheck(a);
    expect(little.holds).toBe(true);
    expect(a.ledger.totals.departed).toBe(a.ledger.totals.admitted);
  });

  it('a blocking producer never overflows the queue: nothing is refused', () => {
    const c = runFor(
      {
        rate: 300,
        overflow: 'refuse',
        queueBound: 5,
        flow: 'credits',
        maxAttempts: 1,
        timeoutMs: 60_000,
        durationMs: 3_000,
      },
      1,
    );
    expect(c.ledger.totals.failedBy.full).toBe(0);
    expect(c.ledger.totals.blockedMs).toBeGreaterThan(0);
  });

  it('the default live run stops offering load when told, and rejects bad params', () => {
    const params = backpressureParams.parse({ durationMs: 2_000 });
    const c = buildBackpressureWorld(params, 1);
    stopProducingAt(c, 1_000);
    c.world.runFor(3_000);
    const offered = c.ledger.totals.offered;
    c.world.runFor(1_000);
    expect(c.ledger.totals.offered).toBe(offered);
    expect(() => backpressureSystem.params.parse({ rate: -1 })).toThrow();
    expect(() => backpressureSystem.params.parse({ nope: 1 })).toThrow();
  });
});

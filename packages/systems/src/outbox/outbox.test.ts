import { describe, expect, it } from 'vitest';
import { MessageLog } from './log';
import { judgeDelivery } from './outbox-runs';
import { runDelivery } from './delivery';
import { outboxSystem } from './index';

describe('MessageLog', () => {
  it('a member that joins starts at the committed offset and fences earlier members', () => {
    const log = new MessageLog();
    for (let e = 1; e <= 3; e++) log.publish(e, 10);
    const a = log.join();
    expect(log.poll(a)?.event).toBe(1);
    expect(log.commit(a, 1)).toBe(true);
    expect(log.poll(a)?.event).toBe(2);
    const b = log.join();
    expect(log.poll(b)?.event).toBe(2);
    expect(log.commit(a, 2)).toBe(false);
    expect(log.commitsRefused).toBe(1);
    expect(log.commit(b, 2)).toBe(true);
    expect(log.committed).toBe(2);
  });
});

describe('judgeDelivery', () => {
  it('counts lost, phantom, duplicate and reordered publications', () => {
    const p = (id: number, aggregate: number) => ({ id, aggregate, event: id, at: 0, by: 'r' });
    const d = judgeDelivery(new Set([1, 2, 3, 4]), [p(1, 1), p(3, 1), p(2, 1), p(3, 1), p(9, 2)]);
    expect(d).toMatchObject({
      lost: 1,
      phantoms: 1,
      duplicates: 1,
      reordered: 1,
      committed: 4,
      published: 5,
    });
    expect(d.examples.lost).toBe(4);
  });
});

describe('delivery runs', () => {
  it('replay: the same seed gives the same trace and the same counts', () => {
    const options = {
      seed: 5,
      events: 30,
      strategy: 'at-least-once' as const,
      crash: 0.1,
      stall: 0.05,
      duplicate: 0.05,
    };
    const a = runDelivery(options);
    const b = runDelivery(options);
    expect(a.traceHash).toBe(b.traceHash);
    expect(a.extraApplications).toBe(b.extraApplications);
    expect(a.lostEvents).toBe(0);
  });

  it('with no faults every consumer applies every event exactly once', () => {
    for (const strategy of [
      'at-most-once',
      'at-least-once',
      'effectively-once',
      'check-outside',
      'if-not-seen',
    ] as const) {
      const o = runDelivery({ seed: 2, events: 20, strategy, crash: 0, stall: 0, duplicate: 0 });
      expect([strategy, o.duplicatedEvents, o.lostEvents]).toEqual([strategy, 0, 0]);
    }
  });

  it('rejects bad live params', () => {
    expect(() => outboxSystem.params.parse({ writers: 0 })).toThrow();
    expect(() => outboxSystem.params.parse({ relay: 'cdc' })).toThrow();
  });
});

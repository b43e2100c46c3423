import { describe, expect, it } from 'vitest';
import { cacheSystem } from './index';
import { buildCacheWorld, cacheParams, DB } from './cluster';
import { run } from './scenarios/common';

describe('cache system', () => {
  // Every scenario's verdict in quick mode at seed 1 is asserted by registry.test.ts; here, other seeds.
  it.each([2, 3])(
    'gives every scenario its expected verdict at seed %i',
    async (seed) => {
      for (const scenario of cacheSystem.scenarios) {
        const result = await scenario.run({ seed, quick: true });
        expect(result.observed, `${scenario.id}: ${result.summary}`).toBe(scenario.expected);
      }
    },
    60_000,
  );

  it('the database serves at most its capacity and refuses past its queue', () => {
    const cluster = run(
      { workload: 'hot', guard: 'none', dbCapacity: 2, dbQueue: 3, clients: 8, rate: 200, durationMs: 1_000 },
      1,
    );
    const db = cluster.db();
    expect(db.peakInService).toBe(2);
    expect(db.peakQueue).toBeLessThanOrEqual(3);
    expect(db.refused).toBeGreaterThan(0);
    expect(cluster.ledger.refusedAt.length).toBe(db.refused);
  });

  it('a lease holder fills the key once; a delete voids its token', () => {
    const cluster = buildCacheWorld(cacheParams.parse({ clients: 1, rate: 0 }), 1);
    const { world } = cluster;
    const replies: unknown[] = [];
    world.addNode('probe', () => ({
      onMessage: (_from: string, msg: unknown) => replies.push(msg),
      snapshot: () => ({}),
    }));
    const send = (msg: object) =>
      world.after(0, 'probe', () =>
        world.node<{ onMessage(f: string, m: unknown): void }>('cache1').onMessage('probe', msg),
      );
    send({ type: 'get', id: 1, key: 'k1', lease: true });
    world.runFor(10);
    send({ type: 'get', id: 2, key: 'k1', lease: true });
    world.runFor(10);
    send({ type: 'del', id: 3, key: 'k1' });
    world.runFor(10);
    send({
      type: 'set',
      id: 4,
      key: 'k1',
      val: { version: 1, value: 'old' },
      ttlMs: 1_000,
      deltaMs: 1,
      token: 1,
    });
    world.runFor(10);
    expect(replies).toEqual([
      { type: 'got', id: 1, token: 1 },
      { type: 'got', id: 2, wait: true },
      { type: 'done', id: 3, ok: true },
      { type: 'done', id: 4, ok: false },
    ]);
    expect(cluster.cache('cache1').live('k1')).toBeUndefined();
    expect(world.isUp(DB)).toBe(true);
  });

  it('a free run is deterministic and its invariants hold', () => {
    const params = cacheParams.parse({ durationMs: 1_000 });
    const a = cacheSystem.run!(params, 5);
    const b = cacheSystem.run!(params, 5);
    expect(a).toEqual(b);
    expect(a.checks.invariants).toBeUndefined();
    expect(a.metrics.ok).toBeGreaterThan(0);
  });

  it('each mutant trips its own check with a message that says what broke', () => {
    const fuzz = cacheSystem.fuzz!;
    const messages: Record<string, RegExp> = {
      'db-admits-all': /queries in service, capacity/,
      'flight-registered-late': /database reads in flight for one key/,
      'sliding-expiry': /served a value set .* ago with a TTL of/,
      'lock-without-nx': /granted lock:.* while .* held it/,
      'fill-without-ttl': /holds k\d+ at version \d+, the database at \d+/,
    };
    for (const mutant of fuzz.pinned) {
      const outcome = fuzz.run(mutant.seed, { mutant: mutant.name });
      expect(outcome.check).toBe(mutant.caughtBy);
      expect(outcome.failure).toMatch(messages[mutant.name] as RegExp);
    }
  });

  it('rejects bad params and unknown mutants with a clear error', () => {
    expect(() => cacheParams.parse({ apps: 0 })).toThrow();
    expect(() => cacheParams.parse({ bogus: 1 })).toThrow();
    expect(() => cacheSystem.fuzz!.run(1, { mutant: 'nope' })).toThrow(/unknown mutant 'nope' of cache/);
  });
});

import { describe, expect, it } from 'vitest';
import { HELD_EVENTS_BOUND, World } from './world';
import type { Env, Message, NodeId, SimNode } from './env';
import { ChatterNode } from './test-support/chatter';

interface Probe extends Message {
  readonly type: 'probe';
  readonly n: number;
  readonly payload?: { readonly list: number[] };
}

/** A node that records deliveries and timer firings, and does nothing on its own. */
class Recorder implements SimNode<Probe> {
  got: { from: NodeId; n: number; at: number }[] = [];
  fired: number[] = [];
  constructor(readonly env: Env<Probe>) {}
  onMessage(from: NodeId, msg: Probe): void {
    this.got.push({ from, n: msg.n, at: this.env.now() });
  }
  snapshot(): unknown {
    return { got: this.got.length };
  }
}

function threeRecorders(seed = 1): World {
  const world = new World({ seed, network: { latency: { kind: 'constant', ms: 5 } } });
  for (const id of ['a', 'b', 'c']) world.addNode(id, (env: Env<Probe>) => new Recorder(env));
  return world;
}

const rec = (world: World, id: NodeId) => world.node<Recorder>(id);

describe('World: network faults', () => {
  it('delivers after the link latency, in virtual time', () => {
    const world = threeRecorders();
    rec(world, 'a').env.send('b', { type: 'probe', n: 1 });
    world.runFor(4.9);
    expect(rec(world, 'b').got).toHaveLength(0);
    world.runFor(0.2);
    expect(rec(world, 'b').got).toEqual([{ from: 'a', n: 1, at: 5 }]);
  });

  it('never delivers across a partition, including messages already in flight', () => {
    const world = threeRecorders();
    rec(world, 'a').env.send('c', { type: 'probe', n: 1 }); // in flight when the partition starts
    world.runFor(1);
    world.network.partition([['a', 'b'], ['c']]);
    rec(world, 'a').env.send('c', { type: 'probe', n: 2 });
    rec(world, 'c').env.send('a', { type: 'probe', n: 3 });
    rec(world, 'a').env.send('b', { type: 'probe', n: 4 });
    world.runFor(50);
    expect(rec(world, 'c').got).toEqual([]);
    expect(rec(world, 'a').got).toEqual([]);
    expect(rec(world, 'b').got.map((g) => g.n)).toEqual([4]);
    world.network.heal();
    rec(world, 'a').env.send('c', { type: 'probe', n: 5 });
    world.runFor(10);
    expect(rec(world, 'c').got.map((g) => g.n)).toEqual([5]);
  });

  it('one-way partitions are one-way', () => {
    const world = threeRecorders();
    world.network.blockOneWay('a', 'b');
    rec(world, 'a').env.send('b', { type: 'probe', n: 1 });
    rec(world, 'b').env.send('a', { type: 'probe', n: 2 });
    world.runFor(20);
    expect(rec(world, 'b').got).toEqual([]);
    expect(rec(world, 'a').got.map((g) => g.n)).toEqual([2]);
  });

  it('a bridge node reaches both sides while the sides cannot reach each other', () => {
    const world = threeRecorders();
    world.network.partition([
      ['a', 'b'],
      ['b', 'c'],
    ]);
    expect(world.network.isBlocked('a', 'c')).toBe(true);
    expect(world.network.isBlocked('c', 'a')).toBe(true);
    expect(world.network.isBlocked('a', 'b')).toBe(false);
    expect(world.network.isBlocked('b', 'c')).toBe(false);
  });

  it('loss drops about the configured fraction and duplication delivers twice', () => {
    const world = threeRecorders(7);
    world.network.configure('a', 'b', { loss: 0.3 });
    world.network.configure('a', 'c', { duplicate: 1 });
    for (let i = 0; i < 2000; i++) rec(world, 'a').env.send('b', { type: 'probe', n: i });
    rec(world, 'a').env.send('c', { type: 'probe', n: 99 });
    world.runFor(20);
    const delivered = rec(world, 'b').got.length / 2000;
    expect(delivered).toBeGreaterThan(0.66);
    expect(delivered).toBeLessThan(0.74);
    expect(rec(world, 'c').got.map((g) => g.n)).toEqual([99, 99]);
  });

  it('random latency reorders messages; a FIFO link does not', () => {
    const world = new World({ seed: 3, network: { latency: { kind: 'uniform', min: 1, max: 50 } } });
    for (const id of ['a', 'b', 'c']) world.addNode(id, (env: Env<Probe>) => new Recorder(env));
    world.network.configure('a', 'c', { fifo: true });
    for (let i = 0; i < 100; i++) {
      rec(world, 'a').env.send('b', { type: 'probe', n: i });
      rec(world, 'a').env.send('c', { type: 'probe', n: i });
    }
    world.runFor(100);
    const toB = rec(world, 'b').got.map((g) => g.n);
    const toC = rec(world, 'c').got.map((g) => g.n);
    expect(toB).toHaveLength(100);
    expect(toB).not.toEqual([...toB].sort((x, y) => x - y));
    expect(toC).toEqual([...Array(100).keys()]);
  });

  it('a bandwidth cap queues messages behind each other', () => {
    const world = threeRecorders();
    world.network.configure('a', 'b', { bandwidthBytesPerMs: 10, latency: { kind: 'constant', ms: 0 } });
    const payload = { list: Array.from({ length: 30 }, (_, i) => i) }; // ~100 bytes → ~10 ms each
    for (let i = 0; i < 3; i++) rec(world, 'a').env.send('b', { type: 'probe', n: i, payload });
    world.runFor(1000);
    const times = rec(world, 'b').got.map((g) => g.at);
    expect(times[1]! - times[0]!).toBeGreaterThan(8);
    expect(times[2]! - times[1]!).toBeGreaterThan(8);
  });

  it('freezes messages, so a receiver that mutates one fails loudly', () => {
    const world = new World({ seed: 1 });
    world.addNode('a', (env: Env<Probe>) => new Recorder(env));
    world.addNode('b', () => ({
      onMessage: (_from: NodeId, msg: Probe) => {
        (msg.payload as { list: number[] }).list.push(1);
      },
      snapshot: () => null,
    }));
    rec(world, 'a').env.send('b', { type: 'probe', n: 1, payload: { list: [] } });
    expect(() => world.runFor(10)).toThrow(TypeError);
  });

  it('rejects bad link settings with a clear error', () => {
    const world = threeRecorders();
    expect(() => world.network.configure('*', '*', { loss: 2 })).toThrow(/probability/);
    expect(() => world.network.configure('*', '*', { latency: { kind: 'uniform', min: 5, max: 1 } })).toThrow(
      /max 1 < min 5/,
    );
    expect(() => world.network.partition([['a', 'zz']])).toThrow(/unknown node 'zz'/);
  });
});

describe('World: clocks', () => {
  it('offset, drift and jumps are visible through env.now(); true time is not', () => {
    const world = threeRecorders();
    const a = rec(world, 'a');
    world.runFor(1000);
    expect(a.env.now()).toBe(1000);
    world.clock('a').setOffset(250);
    expect(a.env.now()).toBe(1250);
    world.clock('a').setDriftPpm(1000); // 1 ms per second fast
    world.runFor(10_000);
    expect(a.env.now()).toBeCloseTo(11_250 + 10, 6);
    world.clock('a').jump(-5000); // an NTP step backwards
    expect(a.env.now()).toBeCloseTo(6_260, 6);
    expect(world.now()).toBe(11_000);
    expect(rec(world, 'b').env.now()).toBe(11_000);
  });

  it('a fast clock fires its timers early in true time; jumps do not move timers', () => {
    const world = new World({ seed: 1 });
    let firedAt = -1;
    world.addNode(
      'a',
      (env) => {
        env.setTimer(1000, () => (firedAt = world.now()));
        return { onMessage: () => undefined, snapshot: () => null };
      },
      { clock: { driftPpm: 100_000 } },
    );
    world.clock('a').jump(1e6);
    world.runFor(2000);
    expect(firedAt).toBeCloseTo(1000 / 1.1, 6);
  });
});

describe('World: node lifecycle', () => {
  it('nodeLives moves when a node starts, crashes or restarts, and only then', () => {
    const world = new World({ seed: 1 });
    for (const id of ['a', 'b']) {
      world.addNode(id, (env) => {
        env.setTimer(1, () => env.send(id === 'a' ? 'b' : 'a', { type: 'ping' }));
        return { onMessage: () => undefined, snapshot: () => null };
      });
    }
    const started = world.nodeLives; // both nodes start here
    world.runFor(10);
    world.pause('a');
    world.resume('a');
    expect(world.nodeLives).toBe(started);
    world.crash('a');
    const crashed = world.nodeLives;
    expect(crashed).not.toBe(started);
    world.crash('a'); // already down: nothing changes
    expect(world.nodeLives).toBe(crashed);
    world.restart('a');
    expect(world.nodeLives).not.toBe(crashed);
  });

  it('unsynced writes vanish on crash and synced ones survive', () => {
    const world = new World({ seed: 1 });
    let boots = 0;
    world.addNode('a', (env) => {
      boots++;
      if (boots === 1) {
        env.disk.append('log', new Uint8Array([1, 2]));
        env.disk.sync();
        env.disk.append('log', new Uint8Array([3]));
        env.disk.write('meta', new Uint8Array([9]));
      }
      return { onMessage: () => undefined, snapshot: () => env.disk.list() };
    });
    expect([...world.disk('a').read('log')!]).toEqual([1, 2, 3]);
    world.crash('a');
    world.restart('a');
    expect(boots).toBe(2);
    expect([...world.disk('a').read('log')!]).toEqual([1, 2]);
    expect(world.disk('a').read('meta')).toBeUndefined();
  });

  it('a torn write keeps a prefix of the last unsynced append', () => {
    let sawTorn = false;
    for (let seed = 0; seed < 20 && !sawTorn; seed++) {
      const world = new World({ seed });
      world.addNode('a', () => ({ onMessage: () => undefined, snapshot: () => null }), {
        disk: { tornWrites: true },
      });
      const disk = world.disk('a');
      disk.append('log', new Uint8Array([1]));
      disk.sync();
      disk.append('log', new Uint8Array([2, 3, 4, 5, 6, 7, 8, 9]));
      world.crash('a');
      const after = [...disk.read('log')!];
      expect(after.slice(0, 1)).toEqual([1]);
      expect(after.length).toBeLessThanOrEqual(9);
      expect([1, 2, 3, 4, 5, 6, 7, 8, 9].slice(0, after.length)).toEqual(after);
      if (after.length > 1 && after.length < 9) sawTorn = true;
    }
    expect(sawTorn).toBe(true);
  });

  it('a crashed node receives nothing and its timers never fire; restart runs the start code again', () => {
    const world = threeRecorders();
    let fired = 0;
    rec(world, 'b').env.setTimer(10, () => fired++);
    world.crash('b');
    rec(world, 'a').env.send('b', { type: 'probe', n: 1 });
    world.runFor(50);
    expect(fired).toBe(0);
    expect(world.isUp('b')).toBe(false);
    expect(() => world.node('b')).toThrow(/down/);
    world.restart('b');
    expect(rec(world, 'b').got).toEqual([]);
    rec(world, 'a').env.send('b', { type: 'probe', n: 2 });
    world.runFor(10);
    expect(rec(world, 'b').got.map((g) => g.n)).toEqual([2]);
  });

  it('a paused node delivers nothing and fires no timer until it resumes, then catches up in order', () => {
    const world = threeRecorders();
    const b = rec(world, 'b');
    b.env.setTimer(10, () => b.fired.push(world.now()));
    world.pause('b', 100);
    for (let i = 0; i < 3; i++) rec(world, 'a').env.send('b', { type: 'probe', n: i });
    world.runFor(99);
    expect(b.got).toEqual([]);
    expect(b.fired).toEqual([]);
    world.runFor(2);
    expect(b.fired).toEqual([100]);
    expect(b.got.map((g) => g.n)).toEqual([0, 1, 2]);
    expect(b.got.every((g) => g.at === 100)).toBe(true);
  });

  it('corruption flips a durable bit that only a checksum would notice', () => {
    const world = threeRecorders();
    const disk = world.disk('a');
    disk.write('file', new Uint8Array([0, 0, 0]));
    disk.sync();
    disk.corrupt('file', 1, 3);
    expect([...disk.read('file')!]).toEqual([0, 8, 0]);
    world.crash('a');
    expect([...disk.read('file')!]).toEqual([0, 8, 0]);
  });

  it('invariants are checked after every event and report time, seed and event number', () => {
    const world = new World({ seed: 42 });
    for (const id of ['a', 'b']) {
      world.addNode(
        id,
        (env: Env) => new ChatterNode(env as Env<never>, { peers: ['a', 'b'], intervalMs: 10 }),
      );
    }
    world.addInvariant('fewer than 5 greetings', () =>
      world.node<ChatterNode>('a').sent >= 5 ? `a sent ${world.node<ChatterNode>('a').sent}` : undefined,
    );
    expect(() => world.runFor(1000)).toThrow(
      /invariant 'fewer than 5 greetings' violated: a sent 5 \(t=.*seed 42/,
    );
  });
});

describe('World: bounds and assertions in the kernel', () => {
  it('holds at most HELD_EVENTS_BOUND arrivals for a paused node and drops the rest as overflow', () => {
    const world = threeRecorders();
    world.pause('b', 1_000);
    const extra = 10;
    for (let n = 0; n < HELD_EVENTS_BOUND + extra; n++) rec(world, 'a').env.send('b', { type: 'probe', n });
    world.runFor(2_000);
    expect(rec(world, 'b').got).toHaveLength(HELD_EVENTS_BOUND);
    expect(world.stats.dropped).toBe(extra);
  });

  it('refuses a timer that would never fire', () => {
    const world = threeRecorders();
    expect(() => rec(world, 'a').env.setTimer(Infinity, () => undefined)).toThrow(/finite/);
    expect(() => rec(world, 'a').env.setTimer(Number.NaN, () => undefined)).toThrow(/finite/);
  });

  it('stops with a violation when an event lies in the past', () => {
    const world = threeRecorders();
    world.runFor(10);
    // Reach past `at` (which clamps to now) to plant the impossible event the assertion exists for.
    const queue = (world as unknown as { queue: { push(t: number, e: unknown): void } }).queue;
    queue.push(5, { kind: 2, label: 'from the past', run: () => undefined });
    expect(() => world.runFor(1)).toThrow(/virtual time never goes back/);
  });
});

describe('World: running a fresh world', () => {
  it('runUntilCondition and runUntilQuiet start the nodes first, like runFor', () => {
    const world = new World({ seed: 1, network: { latency: { kind: 'constant', ms: 5 } } });
    let pings = 0;
    world.addNode('a', (env: Env<Probe>) => {
      env.setTimer(10, () => pings++);
      return { onMessage: () => undefined, snapshot: () => null };
    });
    expect(world.runUntilCondition(() => pings > 0, 100)).toBe(true);
    const quiet = new World({ seed: 1 });
    quiet.addNode('a', (env: Env<Probe>) => {
      env.setTimer(10, () => pings++);
      return { onMessage: () => undefined, snapshot: () => null };
    });
    expect(quiet.runUntilQuiet(5)).toBe(false);
  });
});

describe('World: a check that judges several properties', () => {
  it('reports the property it names, not the check it is registered under', () => {
    const world = threeRecorders();
    let broken = false;
    world.addInvariant('all of them', () =>
      broken ? { name: 'one of them', detail: 'it broke' } : undefined,
    );
    world.runFor(1);
    broken = true;
    rec(world, 'a').env.send('b', { type: 'probe', n: 1 });
    expect(() => world.runFor(10)).toThrow(/invariant 'one of them' violated: it broke/);
  });
});

describe('World: trace listeners', () => {
  it('a listener that unsubscribes itself does not make the next one miss the event', () => {
    const world = threeRecorders();
    const first: string[] = [];
    const second: string[] = [];
    const stop = world.onTrace((event) => {
      first.push(event.kind);
      stop();
    });
    world.onTrace((event) => second.push(event.kind));
    const late: string[] = [];
    world.onTrace(() => world.onTrace((event) => late.push(event.kind)));
    rec(world, 'a').env.send('b', { type: 'probe', n: 1 });
    world.runFor(10);
    expect(first).toEqual(['send']);
    expect(second).toEqual(['send', 'deliver']);
    // Subscribed while 'send' was handed out: sees what happens after it, not 'send' itself.
    expect(late[0]).toBe('deliver');
  });
});

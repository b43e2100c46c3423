import { World, type Env, type SimNode } from '@dslab/sim';
import { describe, expect, it } from 'vitest';
import { buildElectionWorld, electionParams, notificationsReceived } from './election';
import { EtcdNode } from './etcd-node';
import { LeaseLedger } from './ledger';
import { LeaseService } from './lock-service';
import type { LeaseMessage } from './messages';
import { RedisNode } from './redis-node';
import { StorageService } from './storage';
import type { ZkClient } from './zk-client';

/** A node that sends what the test tells it to and keeps every reply. */
class Probe implements SimNode<LeaseMessage> {
  readonly replies: LeaseMessage[] = [];
  constructor(private readonly env: Env<LeaseMessage>) {}
  send(to: string, msg: LeaseMessage): void {
    this.env.send(to, msg);
  }
  onMessage(_from: string, msg: LeaseMessage): void {
    this.replies.push(msg);
  }
  snapshot(): unknown {
    return this.replies.length;
  }
}

function world(add: (w: World, ledger: LeaseLedger) => void) {
  const w = new World({ seed: 1, network: { latency: { kind: 'constant', ms: 1 } } });
  const ledger = new LeaseLedger(() => w.now());
  add(w, ledger);
  w.addNode('p', (env: Env<LeaseMessage>) => new Probe(env));
  const probe = () => w.node<Probe>('p');
  const ask = (to: string, msg: LeaseMessage) => {
    probe().send(to, msg);
    w.runFor(5);
    return probe().replies[probe().replies.length - 1];
  };
  return { w, ledger, ask };
}

describe('lease service', () => {
  it('grants one session at a time, with tokens that grow, and expires by its monotonic clock', () => {
    const { w, ledger, ask } = world((w, ledger) =>
      w.addNode('lock', (env: Env<LeaseMessage>) => new LeaseService(env, { observer: ledger })),
    );
    expect(ask('lock', { type: 'acquire', req: 1, session: 'a', ttlMs: 100 })).toMatchObject({
      type: 'granted',
      token: 1,
    });
    expect(ask('lock', { type: 'acquire', req: 2, session: 'b', ttlMs: 100 })).toMatchObject({
      type: 'busy',
    });
    // A wall-clock step forward does not end the lease early.
    w.clock('lock').jump(10_000);
    expect(ask('lock', { type: 'acquire', req: 3, session: 'b', ttlMs: 100 })).toMatchObject({
      type: 'busy',
    });
    w.runFor(100);
    expect(ask('lock', { type: 'renew', req: 4, session: 'a', token: 1 })).toMatchObject({ type: 'lost' });
    expect(ask('lock', { type: 'acquire', req: 5, session: 'b', ttlMs: 100 })).toMatchObject({
      type: 'granted',
      token: 2,
    });
    expect(ledger.leaseProblem).toBeUndefined();
    expect(ledger.tokenProblem).toBeUndefined();
  });

  it('keeps its tokens and the lease in force across a crash, giving the lease a full TTL again', () => {
    const { w, ask } = world((w, ledger) =>
      w.addNode('lock', (env: Env<LeaseMessage>) => new LeaseService(env, { observer: ledger })),
    );
    ask('lock', { type: 'acquire', req: 1, session: 'a', ttlMs: 100 });
    w.runFor(80);
    w.crash('lock');
    w.restart('lock');
    w.runFor(50);
    expect(ask('lock', { type: 'acquire', req: 2, session: 'b', ttlMs: 100 })).toMatchObject({
      type: 'busy',
    });
    w.runFor(60);
    expect(ask('lock', { type: 'acquire', req: 3, session: 'b', ttlMs: 100 })).toMatchObject({
      type: 'granted',
      token: 2,
    });
  });
});

describe('storage', () => {
  const write = (req: number, token: number, rule: 'none' | 'max-seen' | 'current-term'): LeaseMessage => ({
    type: 'write',
    req,
    writer: 'p',
    grant: 1,
    key: 'k',
    value: String(token),
    token,
    rule,
  });

  it('with max-seen, refuses a token lower than one it applied; with none, applies it', () => {
    const { ask } = world((w, ledger) =>
      w.addNode('storage', (env: Env<LeaseMessage>) => new StorageService(env, { observer: ledger })),
    );
    expect(ask('storage', write(1, 34, 'max-seen'))).toMatchObject({ type: 'written' });
    expect(ask('storage', write(2, 33, 'max-seen'))).toMatchObject({ type: 'rejected', highest: 34 });
    expect(ask('storage', write(3, 33, 'none'))).toMatchObject({ type: 'written' });
  });

  it('elects one winner per term and, with current-term, refuses a deposed leader', () => {
    const { ask } = world((w, ledger) =>
      w.addNode('storage', (env: Env<LeaseMessage>) => new StorageService(env, { observer: ledger })),
    );
    expect(ask('storage', { type: 'take-over', req: 1, seen: 0, me: 'a' })).toMatchObject({
      ok: true,
      term: 1,
    });
    expect(ask('storage', { type: 'take-over', req: 2, seen: 0, me: 'b' })).toMatchObject({
      ok: false,
      term: 1,
    });
    expect(ask('storage', { type: 'take-over', req: 3, seen: 1, me: 'b' })).toMatchObject({
      ok: true,
      term: 2,
    });
    expect(ask('storage', write(4, 1, 'current-term'))).toMatchObject({ type: 'rejected' });
    expect(ask('storage', write(5, 1, 'none'))).toMatchObject({ type: 'written' });
  });
});

describe('Redis-like server', () => {
  const set = (value: string, ttlMs = 100) => ({ cmd: 'set-nx-px', key: 'lock', value, ttlMs }) as const;

  it('SET NX PX refuses while the key lives; a forward clock jump expires it early', () => {
    const w = new World({ seed: 1 });
    w.addNode('r', (env: Env<LeaseMessage>) => new RedisNode(env, { persistence: 'none' }));
    const redis = () => w.node<RedisNode>('r');
    expect(redis().execute(set('a')).ok).toBe(true);
    expect(redis().execute(set('b')).ok).toBe(false);
    w.clock('r').jump(100);
    expect(redis().execute(set('b')).ok).toBe(true);
    expect(redis().execute({ cmd: 'cad', key: 'lock', value: 'a' }).ok).toBe(false);
    expect(redis().execute({ cmd: 'cad', key: 'lock', value: 'b' }).ok).toBe(true);
  });

  it('comes back empty without persistence and with the lock under appendfsync always', () => {
    for (const persistence of ['none', 'always'] as const) {
      const w = new World({ seed: 1 });
      w.addNode('r', (env: Env<LeaseMessage>) => new RedisNode(env, { persistence }));
      w.node<RedisNode>('r').execute(set('a', 1_000));
      w.crash('r');
      w.restart('r');
      expect(w.node<RedisNode>('r').execute(set('b')).ok).toBe(persistence === 'none');
    }
  });
});

describe('etcd-like server', () => {
  it('a put overwrites the holder; create refuses while the key exists; an expired lease deletes it', () => {
    const w = new World({ seed: 1 });
    w.addNode('e', (env: Env<LeaseMessage>) => new EtcdNode(env));
    const etcd = () => w.node<EtcdNode>('e');
    const a = etcd().execute({ cmd: 'lease-grant', ttlMs: 100 }).value;
    const b = etcd().execute({ cmd: 'lease-grant', ttlMs: 100 }).value;
    const created = etcd().execute({ cmd: 'create', key: 'lock', value: 'a', lease: a });
    expect(created.ok).toBe(true);
    expect(etcd().execute({ cmd: 'create', key: 'lock', value: 'b', lease: b })).toEqual({
      ok: false,
      value: created.value,
    });
    const put = etcd().execute({ cmd: 'put', key: 'lock', value: 'b', lease: b });
    expect(put.ok).toBe(true);
    expect(put.value).toBeGreaterThan(created.value);
    w.runFor(150);
    const c = etcd().execute({ cmd: 'lease-grant', ttlMs: 100 }).value;
    expect(etcd().execute({ cmd: 'create', key: 'lock', value: 'c', lease: c }).ok).toBe(true);
  });
});

describe('ledger', () => {
  it('calls a superseded holder’s write corrupting only once the newer holder wrote', () => {
    let t = 0;
    const ledger = new LeaseLedger(() => t);
    ledger.hold('a', 1, 1);
    ledger.wrote('a', 1, 1, 'none', true);
    t = 10;
    ledger.hold('b', 1, 2);
    ledger.wrote('a', 1, 1, 'none', true); // stale, but ordered before b's writes
    ledger.wrote('b', 1, 2, 'none', true);
    ledger.wrote('a', 1, 1, 'none', true); // lands on top of b's
    ledger.settle();
    expect(ledger.stale).toBe(2);
    expect(ledger.corrupted).toBe(1);
    expect(ledger.maxBelievers).toBe(2);
  });
});

describe('ZooKeeper-like election', () => {
  it('a leader paused past its session timeout loses its node; the next leads while the paused one still believes', () => {
    const cluster = buildElectionWorld(
      electionParams.parse({ clients: 4, holdMs: 10_000, sessionTimeoutMs: 200, durationMs: 3_000 }),
      1,
    );
    const { world, leaders } = cluster;
    world.runUntilCondition(() => leaders.current === 1, 1_000);
    const leader = cluster.clients.find((id) => world.node<ZkClient>(id).snapshot().leading) as string;
    world.pause(leader, 1_000);
    world.runFor(600);
    expect(leaders.most).toBe(2);
    expect(world.node<ZkClient>(leader).snapshot().leading).toBe(true);
    // Only the paused leader's successor was told; nobody else woke.
    expect(notificationsReceived(cluster)).toBe(1);
  });
});

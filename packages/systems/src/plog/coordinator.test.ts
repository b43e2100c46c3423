import { describe, expect, it } from 'vitest';
import { GroupCoordinator, type RebalanceProtocol } from './coordinator';
import type { PlogMessage } from './messages';

function setup(protocol: RebalanceProtocol) {
  const sent: { to: string; msg: PlogMessage }[] = [];
  const partitions = ['t/0', 't/1', 't/2', 't/3'];
  const coordinator = new GroupCoordinator(
    { sessionMs: 100, rebalanceTimeoutMs: 500, protocol },
    (to, msg) => sent.push({ to, msg }),
    () => partitions,
  );
  const assignments = (to: string) =>
    sent
      .filter((s) => s.to === to && s.msg.type === 'assignment')
      .map((s) => s.msg as PlogMessage & { type: 'assignment' });
  const join = (member: string, now: number) =>
    coordinator.onMessage(member, { type: 'join', group: 'g', topics: ['t'] }, now);
  const revoked = (member: string, generation: number, now: number) =>
    coordinator.onMessage(member, { type: 'revoked', group: 'g', generation }, now);
  return { coordinator, sent, assignments, join, revoked };
}

describe('group coordinator', () => {
  it('eager: a join revokes every partition first, then deals them all out again', () => {
    const g = setup('eager');
    g.join('a', 0);
    expect(g.assignments('a').at(-1)).toMatchObject({
      generation: 1,
      partitions: ['t/0', 't/1', 't/2', 't/3'],
      revokeOnly: false,
    });
    g.join('b', 10);
    expect(g.assignments('a').at(-1)).toMatchObject({ generation: 2, partitions: [], revokeOnly: true });
    g.revoked('a', 2, 20);
    expect(g.assignments('a').at(-1)?.partitions).toHaveLength(2);
    expect(g.assignments('b').at(-1)?.partitions).toHaveLength(2);
  });

  it('cooperative: only the partitions that move are revoked; the rest stay with their owner throughout', () => {
    const g = setup('cooperative');
    g.join('a', 0);
    g.join('b', 10);
    const revoke = g.assignments('a').at(-1);
    expect(revoke).toMatchObject({ generation: 2, revokeOnly: true });
    expect(revoke?.partitions).toHaveLength(2);
    g.revoked('a', 2, 20);
    const final = g.assignments('a').at(-1);
    expect(final?.partitions).toEqual(revoke?.partitions);
    expect(g.assignments('b').at(-1)?.partitions).toHaveLength(2);
  });

  it('fences commits from a stale generation or a partition the member does not own', () => {
    const g = setup('eager');
    g.join('a', 0);
    const commit = (generation: number, partition: string) => {
      g.coordinator.onMessage(
        'a',
        { type: 'commit', id: 1, group: 'g', generation, offsets: [{ partition, offset: 5 }] },
        1,
      );
      return g.sent.at(-1)?.msg;
    };
    expect(commit(1, 't/0')).toEqual({ type: 'commit-reply', id: 1 });
    expect(g.coordinator.committed('g', 't/0')).toBe(5);
    expect(commit(0, 't/1')).toEqual({ type: 'commit-reply', id: 1, error: 'fenced' });
    g.join('b', 2);
    expect(commit(1, 't/1')).toEqual({ type: 'commit-reply', id: 1, error: 'fenced' });
  });

  it('a member that misses its session is removed, and one that does not give up its partitions in time too', () => {
    const g = setup('cooperative');
    g.join('a', 0);
    g.join('b', 0);
    g.revoked('a', 2, 1);
    g.coordinator.onMessage('a', { type: 'group-heartbeat', group: 'g', generation: 2 }, 90);
    g.coordinator.tick(150);
    expect(g.coordinator.snapshot()[0]?.members).toEqual({ a: ['t/0', 't/1', 't/2', 't/3'] });
    g.join('c', 160);
    // Both stay alive; a never acknowledges giving up the two partitions that move to c.
    for (const member of ['a', 'c'])
      g.coordinator.onMessage(member, { type: 'group-heartbeat', group: 'g', generation: 3 }, 650);
    g.coordinator.tick(700);
    expect(Object.keys(g.coordinator.snapshot()[0]?.members ?? {})).toEqual(['c']);
  });

  it('a member whose assignment was lost gets the current one again from its next heartbeat', () => {
    const g = setup('cooperative');
    g.join('a', 0);
    g.join('b', 1);
    g.revoked('a', 2, 2);
    const final = g.assignments('b').at(-1);
    expect(final).toMatchObject({ generation: 2, revokeOnly: false });
    // b applied the revocation of generation 2 but the final assignment never reached it.
    const before = g.assignments('b').length;
    g.coordinator.onMessage(
      'b',
      { type: 'group-heartbeat', group: 'g', generation: 2, awaitingAssignment: true },
      3,
    );
    expect(g.assignments('b')).toHaveLength(before + 1);
    expect(g.assignments('b').at(-1)).toEqual(final);
    // A member a generation behind is told too; one up to date is not.
    g.coordinator.onMessage('a', { type: 'group-heartbeat', group: 'g', generation: 1 }, 4);
    expect(g.assignments('a').at(-1)).toMatchObject({ generation: 2, revokeOnly: false });
    const count = g.sent.length;
    g.coordinator.onMessage('a', { type: 'group-heartbeat', group: 'g', generation: 2 }, 5);
    expect(g.sent).toHaveLength(count);
  });
});

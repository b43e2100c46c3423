/**
 * The leader's window of AppendEntries in flight to each follower (`maxInflightAppends`, etcd's
 * MaxInflightMsgs): entries proposed while it is full wait and leave together when an acknowledgement
 * frees a slot; heartbeats still go out, carry what waits, and are what unsticks a window whose messages
 * or replies were lost. Message-level, on one node (see test-support/single-node.ts).
 */
import { describe, expect, it } from 'vitest';
import { InvariantViolation } from '@dslab/sim';
import { Inflights } from './progress';
import { startLeader, type Harness, type Sent } from './test-support/single-node';
import { logOf } from './test-support/single-node';
import type { AppendEntries, RaftMessage } from './types';

/** n1, leader of term 3 over [1, 2] and its no-op at 3, committed by n2; the no-op to n3 is in flight. */
function leader(maxInflightAppends: number): Harness {
  return startLeader({ term: 2, log: logOf(1, 2), config: { maxInflightAppends } }, { committed: true });
}

function put(h: Harness, seq: number): Sent[] {
  const msg: RaftMessage = {
    type: 'request',
    client: 'c1',
    seq,
    op: { f: 'put', key: 'x', value: `${seq}` },
  };
  return h.deliver('c1', msg);
}

function ack(term: number, matchIndex: number, round: number): RaftMessage {
  return { type: 'append-reply', term, success: true, matchIndex, conflictTerm: 0, conflictIndex: 0, round };
}

/** The AppendEntries `sent` holds for `peer`, as (prevIndex, first entry, last entry) for short asserts. */
function appendsTo(sent: readonly Sent[], peer: string): { prev: number; count: number }[] {
  return sent
    .filter((s) => s.to === peer && s.msg.type === 'append')
    .map((s) => {
      const msg = s.msg as AppendEntries;
      return { prev: msg.prevIndex, count: msg.entries.length };
    });
}

describe('the window of appends in flight to each follower', () => {
  it('fills: with 2 in flight, entries proposed meanwhile are held (the no-op to n3 already holds one slot)', () => {
    const h = leader(2);
    // n2's window is empty, n3's holds the unacknowledged no-op at 3.
    const first = put(h, 1); // entry 4
    expect(appendsTo(first, 'n2')).toEqual([{ prev: 3, count: 1 }]);
    expect(appendsTo(first, 'n3')).toEqual([{ prev: 3, count: 1 }]);
    const second = put(h, 2); // entry 5: n2 has a slot left, n3 is full
    expect(appendsTo(second, 'n2')).toEqual([{ prev: 4, count: 1 }]);
    expect(appendsTo(second, 'n3')).toEqual([]);
    const third = put(h, 3); // entry 6: both full
    expect(appendsTo(third, 'n2')).toEqual([]);
    expect(appendsTo(third, 'n3')).toEqual([]);
    expect(h.node.log.lastIndex).toBe(6);
  });

  it('without a bound every proposal is a message to every follower (what the window saves)', () => {
    const h = leader(1_024);
    for (let seq = 1; seq <= 3; seq++) {
      const sent = put(h, seq);
      expect(appendsTo(sent, 'n2')).toHaveLength(1);
      expect(appendsTo(sent, 'n3')).toHaveLength(1);
    }
  });

  it('frees on acknowledgement: what waited leaves in one message, and the entries commit', () => {
    const h = leader(1);
    put(h, 1); // entry 4 to n2; n3 is full with the no-op
    for (let seq = 2; seq <= 4; seq++) expect(appendsTo(put(h, seq), 'n2')).toEqual([]); // 5, 6, 7 wait
    const afterN2 = h.deliver('n2', ack(3, 4, 1));
    expect(appendsTo(afterN2, 'n2')).toEqual([{ prev: 4, count: 3 }]); // 5..7 together
    expect(appendsTo(afterN2, 'n3')).toEqual([]);
    expect(h.node.commitIndex).toBe(4);
    // n3 acknowledges its no-op: its window frees and everything after it goes in one message.
    const afterN3 = h.deliver('n3', ack(3, 3, 1));
    expect(appendsTo(afterN3, 'n3')).toEqual([{ prev: 3, count: 4 }]);
    const done = h.deliver('n2', ack(3, 7, 1));
    expect(h.node.commitIndex).toBe(7);
    expect(done.filter((s) => s.to === 'c1')).toHaveLength(3); // the clients of 5, 6 and 7 are answered
  });

  it('a stale acknowledgement (of an earlier message) frees only what it covers', () => {
    const h = leader(2);
    put(h, 1); // n2: 4
    put(h, 2); // n2: 5 — full
    expect(appendsTo(put(h, 3), 'n2')).toEqual([]);
    expect(appendsTo(h.deliver('n2', ack(3, 3, 1)), 'n2')).toEqual([]); // the no-op's: nothing in flight freed
    expect(appendsTo(h.deliver('n2', ack(3, 4, 1)), 'n2')).toEqual([{ prev: 5, count: 1 }]);
  });

  it('heartbeats still go out when the window is full, and carry what waits', () => {
    const h = leader(1);
    put(h, 1); // entry 4 to n2 (n2 full now); n3 full with the no-op
    put(h, 2); // entry 5 waits for both
    const beat = h.wait(20);
    // The heartbeat leaves anyway: it takes entry 5 and counts in the newest slot.
    expect(appendsTo(beat, 'n2')).toEqual([{ prev: 4, count: 1 }]);
    expect(appendsTo(beat, 'n3')).toEqual([{ prev: 3, count: 2 }]);
    // An acknowledgement of entry 4 alone does not free n2's slot: it now stands for entry 5 too.
    put(h, 3);
    expect(appendsTo(h.deliver('n2', ack(3, 4, 1)), 'n2')).toEqual([]);
    expect(appendsTo(h.deliver('n2', ack(3, 5, 2)), 'n2')).toEqual([{ prev: 5, count: 1 }]);
  });

  it('a read round still goes to every follower with full windows, takes what waits, and serves the read', () => {
    const h = leader(1);
    put(h, 1); // entry 4 to n2; n3 is full with the no-op
    put(h, 2); // entry 5 waits for both
    const read: RaftMessage = { type: 'request', client: 'c2', seq: 1, op: { f: 'get', key: 'x' } };
    const round = h.deliver('c2', read);
    expect(appendsTo(round, 'n2')).toEqual([{ prev: 4, count: 1 }]);
    expect(appendsTo(round, 'n3')).toEqual([{ prev: 3, count: 2 }]);
    const roundNo = (round.find((s) => s.to === 'n2')?.msg as AppendEntries).round;
    // n2 acknowledges the round (and entries 4, 5): with the leader, a majority of three.
    const answered = h.deliver('n2', ack(3, 5, roundNo));
    expect(answered.filter((s) => s.to === 'c2')).toHaveLength(1);
  });

  it('recovers after a lost reply: the heartbeat’s acknowledgement frees the window', () => {
    const h = leader(1);
    put(h, 1); // entry 4 to n2; its reply is lost
    expect(appendsTo(put(h, 2), 'n2')).toEqual([]);
    const beat = h.wait(20); // carries entry 5 (prevIndex 4: n2 holds 4)
    expect(appendsTo(beat, 'n2')).toEqual([{ prev: 4, count: 1 }]);
    // The heartbeat's reply is lost too; the next heartbeat goes out with nothing new.
    expect(appendsTo(h.wait(20), 'n2')).toEqual([{ prev: 5, count: 0 }]);
    expect(appendsTo(put(h, 3), 'n2')).toEqual([]); // still full
    // Its acknowledgement (n2 holds everything up to 5) frees the window: entry 6 goes at once.
    expect(appendsTo(h.deliver('n2', ack(3, 5, 3)), 'n2')).toEqual([{ prev: 5, count: 1 }]);
  });

  it('recovers after a lost append: the follower refuses the next heartbeat, and the leader resends from its hint', () => {
    const h = leader(1);
    put(h, 1); // entry 4 to n2 is lost
    put(h, 2); // entry 5 waits
    h.wait(20); // the heartbeat carries 5 after 4: n2 refuses it, its log ends at 3
    const refused: RaftMessage = {
      type: 'append-reply',
      term: 3,
      success: false,
      matchIndex: 0,
      conflictTerm: 0,
      conflictIndex: 4,
      round: 2,
    };
    // Back-off resets the window: entries 4 and 5 go again, together.
    expect(appendsTo(h.deliver('n2', refused), 'n2')).toEqual([{ prev: 3, count: 2 }]);
    expect(appendsTo(h.deliver('n2', ack(3, 5, 2)), 'n2')).toEqual([]); // nothing more to send
    expect(h.node.commitIndex).toBe(5);
  });
});

describe('Inflights', () => {
  it('counts up to its capacity, frees by index, and resets', () => {
    const w = new Inflights(3);
    w.add(4);
    w.add(6);
    expect(w.full).toBe(false);
    w.add(9);
    expect([w.count, w.full]).toEqual([3, true]);
    w.freeUpTo(5); // the message that ended at 4
    expect(w.count).toBe(2);
    w.add(10); // wraps around the ring
    w.freeUpTo(9);
    expect(w.count).toBe(1);
    w.reset();
    expect(w.count).toBe(0);
  });

  it('a message sent while full joins the newest slot, which frees only once both are held', () => {
    const w = new Inflights(2);
    w.add(4);
    w.add(5);
    w.add(8);
    expect(w.count).toBe(2);
    w.freeUpTo(5);
    expect(w.count).toBe(1);
    w.freeUpTo(8);
    expect(w.count).toBe(0);
  });

  it('refuses a message that does not carry later entries than the last in flight, and a capacity below 1', () => {
    const w = new Inflights(2);
    w.add(5);
    expect(() => w.add(5)).toThrow(InvariantViolation);
    expect(() => new Inflights(0)).toThrow(/maxInflightAppends/);
  });
});

/**
 * A Raft node on a disk whose fsync runs in the background (real mode, ADR 0018): `sync()` returns at
 * once, ordinary sends wait until the syncs before them are durable, and the node may send ahead what
 * claims nothing about its own unsynced log (Ongaro's thesis §10.2.1). The simulator's disk is durable
 * when `sync()` returns, so these rules are tested here, on a hand-driven Env that holds messages the
 * way the real one does and ends fsyncs only when the test says so.
 */
import { describe, expect, it } from 'vitest';
import type { BackgroundSync, Disk, NodeId } from '@dslab/sim';
import { RaftNode } from './node';
import { MAX_PENDING_SYNCS } from './state';
import { RaftStorage } from './storage';
import { FakeEnv, logOf, testConfig, type Sent } from './test-support/single-node';
import type { Entry, RaftMessage } from './types';

/** FakeEnv whose syncs end only on `endFsyncs()`; sends wait for them, `sendNow` does not. */
class BackgroundSyncEnv extends FakeEnv {
  private requested = 0;
  private durable = 0;
  private readonly held: { sent: Sent; afterSync: number }[] = [];
  private readonly listeners: (() => void)[] = [];
  private readonly released: Sent[] = [];

  constructor(id: NodeId) {
    super(id);
    // FakeEnv's disk is an own field: replace it with one that counts syncs, around the same SimDisk.
    const inner = this.disk;
    const counting: Disk = {
      append: (name, data) => inner.append(name, data),
      write: (name, data) => inner.write(name, data),
      read: (name) => inner.read(name),
      rename: (from, to) => inner.rename(from, to),
      remove: (name) => inner.remove(name),
      list: () => inner.list(),
      sync: () => {
        inner.sync();
        this.requested++;
      },
    };
    Object.defineProperty(this, 'disk', { value: counting });
  }

  readonly backgroundSync: BackgroundSync<RaftMessage> = {
    get syncsRequested() {
      return env().requested;
    },
    get syncsDurable() {
      return env().durable;
    },
    onDurable: (listener) => this.listeners.push(listener),
    sendNow: (to, msg) => this.released.push({ to, msg }),
  };

  override send(to: NodeId, msg: RaftMessage): void {
    if (this.requested > this.durable) this.held.push({ sent: { to, msg }, afterSync: this.requested });
    else this.released.push({ to, msg });
  }

  /** Every fsync running ends: held messages leave, then the node hears of it. */
  endFsyncs(): void {
    this.durable = this.requested;
    for (const h of this.held.splice(0)) this.released.push(h.sent);
    for (const listener of this.listeners) listener();
  }

  override take(): Sent[] {
    return [...super.take(), ...this.released.splice(0)];
  }
}

let current: BackgroundSyncEnv | undefined;
const env = () => current as BackgroundSyncEnv;

function start(log: readonly Entry[], term: number): { node: RaftNode; env: BackgroundSyncEnv } {
  current = new BackgroundSyncEnv('n1');
  const storage = new RaftStorage(current.disk);
  storage.saveMeta(term, null);
  storage.appendEntries(1, log);
  storage.flush();
  current.endFsyncs();
  const node = new RaftNode(current, { ...testConfig, noopOnElection: false });
  current.take();
  return { node, env: current };
}

function deliver(h: { node: RaftNode; env: BackgroundSyncEnv }, from: NodeId, msg: RaftMessage): Sent[] {
  h.node.onMessage(from, msg);
  h.env.advance(0);
  return h.env.take();
}

/** n1 elected leader of `term + 1` with n2's vote, its fsyncs all ended. */
function leaderOf(log: readonly Entry[], term: number) {
  const h = start(log, term);
  h.env.advance(150);
  h.env.endFsyncs();
  h.env.take();
  deliver(h, 'n2', { type: 'vote-reply', term: term + 1, granted: true });
  expect(h.node.role).toBe('leader');
  h.env.endFsyncs();
  h.env.take();
  return h;
}

const ack = (term: number, matchIndex: number, round: number): RaftMessage => ({
  type: 'append-reply',
  term,
  success: true,
  matchIndex,
  conflictTerm: 0,
  conflictIndex: 0,
  round,
});
const put: RaftMessage = { type: 'request', client: 'c1', seq: 1, op: { f: 'put', key: 'x', value: 'a' } };
const responses = (sent: readonly Sent[]) => sent.filter((s) => s.msg.type === 'response');

describe('Raft on a disk that fsyncs in the background', () => {
  it('sends AppendEntries while its own fsync runs, and answers once both followers hold the entry', () => {
    const h = leaderOf(logOf(1, 2), 2);
    const sent = deliver(h, 'c1', put);
    expect(sent.filter((s) => s.msg.type === 'append').map((s) => s.to)).toEqual(['n2', 'n3']);
    // n2 holds it; the leader's copy is not durable yet, so one of three is not a majority.
    expect(responses(deliver(h, 'n2', ack(3, 3, 2)))).toEqual([]);
    expect(h.node.commitIndex).toBe(0);
    // n3 too: two disks of three hold it, the leader's own fsync still running.
    const answered = responses(deliver(h, 'n3', ack(3, 3, 2)));
    expect(answered).toEqual([{ to: 'c1', msg: expect.objectContaining({ result: { ok: true } }) }]);
    expect(h.node.commitIndex).toBe(3);
  });

  it('counts its own copy toward a commit once its fsync ends, not before', () => {
    const h = leaderOf(logOf(1, 2), 2);
    deliver(h, 'c1', put);
    expect(responses(deliver(h, 'n2', ack(3, 3, 2)))).toEqual([]);
    h.env.endFsyncs();
    expect(h.node.commitIndex).toBe(3);
    expect(responses(h.env.take())).toHaveLength(1);
  });

  it('remembers at most MAX_PENDING_SYNCS syncs in flight and still counts all once they end', () => {
    const h = leaderOf(logOf(1, 2), 2);
    let seq = 0;
    // More syncs than the ring holds, none of them ending; both followers commit each thousand (so the
    // waiting clients stay under their own bound).
    while (seq < MAX_PENDING_SYNCS + 500) {
      for (let k = 0; k < 1_000; k++) deliver(h, 'c1', { ...put, seq: ++seq } as RaftMessage);
      deliver(h, 'n2', ack(3, h.node.log.lastIndex, 2));
      deliver(h, 'n3', ack(3, h.node.log.lastIndex, 2));
      expect(h.node.commitIndex).toBe(h.node.log.lastIndex);
    }
    for (let k = 0; k < 500; k++) deliver(h, 'c1', { ...put, seq: ++seq } as RaftMessage);
    const last = h.node.log.lastIndex;
    expect(last).toBe(2 + seq);
    deliver(h, 'n2', ack(3, last, 2));
    expect(h.node.commitIndex).toBe(last - 500); // one follower, and the leader's copy not yet durable
    h.env.take();
    h.env.endFsyncs();
    expect(h.node.commitIndex).toBe(last);
    expect(responses(h.env.take())).toHaveLength(500);
  });

  it('does not count entries it overwrote as durable: a follower that cut its log and then leads', () => {
    // Durable: five entries of term 1. A term-2 leader overwrites from index 2 with one entry, and
    // that fsync is still running when n1 is elected in term 3.
    const h = start(logOf(1, 1, 1, 1, 1), 1);
    deliver(h, 'n2', {
      type: 'append',
      term: 2,
      prevIndex: 1,
      prevTerm: 1,
      entries: logOf(2),
      leaderCommit: 1,
      round: 1,
    });
    expect(h.node.log.lastIndex).toBe(2);
    h.env.advance(150); // times out: candidate of term 3 (its vote requests wait for the fsync)
    deliver(h, 'n3', { type: 'vote-reply', term: 3, granted: true });
    expect(h.node.role).toBe('leader');
    // Three new entries reach index 5 again; n2 holds them all. Were the old five counted as the
    // leader's durable copy, n2's acknowledgement alone would commit index 5.
    for (let seq = 1; seq <= 3; seq++) deliver(h, 'c1', { ...put, seq } as RaftMessage);
    expect(h.node.log.lastIndex).toBe(5);
    deliver(h, 'n2', ack(3, 5, 2));
    expect(h.node.commitIndex).toBe(1); // what the term-2 leader had committed
    h.env.endFsyncs();
    expect(h.node.commitIndex).toBe(5);
  });
});

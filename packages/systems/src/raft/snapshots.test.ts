/**
 * Taking a snapshot of a large state a slice per turn (`Snapshots.maybeSnapshot`): the member goes on
 * answering in between, the log is compacted only once the file is whole, a newer snapshot installed
 * meanwhile drops the one in progress, and a restart reads back what was taken.
 */
import { describe, expect, it } from 'vitest';
import { RaftNode } from './node';
import { RaftStorage, type StoredSnapshot } from './storage';
import type { FakeEnv } from './test-support/single-node';
import { VOTERS, put, startNode, testConfig } from './test-support/single-node';
import { SNAPSHOT_TURN_MS } from './snapshots';
import { defaultRaftConfig, type AppendEntries, type Entry } from './types';

const SNAPSHOT_SLICE_ITEMS = defaultRaftConfig.snapshotSlice;

const KEYS = SNAPSHOT_SLICE_ITEMS * 2 + 500; // three slices

function bigSnapshot(lastIndex: number): StoredSnapshot {
  const kv: [string, string][] = [];
  for (let k = 0; k < KEYS; k++) kv.push([`key${String(k).padStart(6, '0')}`, `value-${k}`]);
  return { lastIndex, lastTerm: 1, voters: VOTERS, data: { kv, sessions: [] } };
}

function append(prevIndex: number, entries: readonly Entry[], leaderCommit: number): AppendEntries {
  return { type: 'append', term: 1, prevIndex, prevTerm: 1, entries, leaderCommit, round: 1 };
}

/** The timers of a snapshot's next turns, held for the test to run one at a time. */
function heldTurns(env: FakeEnv): { readonly pending: number; run(): void } {
  const queue: (() => void)[] = [];
  const setTimer = env.setTimer.bind(env);
  env.setTimer = (ms, fire) => {
    if (ms !== SNAPSHOT_TURN_MS) return setTimer(ms, fire);
    queue.push(fire);
    return -queue.length; // never cleared by these tests' nodes while queued
  };
  return {
    get pending() {
      return queue.length;
    },
    run: () => (queue.shift() as () => void)(),
  };
}

/**
 * A follower holding a large snapshot at 10 that snapshots again after two more applied entries: the
 * two arrive committed at once, and applying them starts a snapshot at 12 (its first turn).
 */
function follower() {
  const h = startNode({ term: 1, snapshot: bigSnapshot(10), config: { snapshotEvery: 2 } });
  const turns = heldTurns(h.env);
  h.node.onMessage('n2', append(10, [put(1, 1, 'a'), put(1, 2, 'b')], 12));
  return { ...h, turns };
}

const snapshotFiles = (h: { env: FakeEnv }) =>
  h.env.disk.list().filter((name) => name.startsWith('snapshot'));

describe('a snapshot taken a slice per turn', () => {
  it('is sorted, then written, over several turns while the member goes on answering; the log compacts at the end', () => {
    const h = follower();
    expect(h.node.lastApplied).toBe(12);
    expect(h.node.log.snapshotIndex).toBe(10); // still the old one: the new file is not whole yet
    expect(h.env.take()).toHaveLength(1); // the acknowledgement went out meanwhile
    const runs = Math.ceil((KEYS + 2) / SNAPSHOT_SLICE_ITEMS);
    let turns = 1; // the first, which sorted the first run
    while (h.turns.pending > 0) {
      if (turns === 2) {
        // Between two turns the next append is answered as usual.
        h.node.onMessage('n2', append(12, [put(1, 3, 'c')], 12));
        expect(h.env.take()).toMatchObject([
          { to: 'n2', msg: { type: 'append-reply', success: true, matchIndex: 13 } },
        ]);
      }
      if (turns === runs) expect(snapshotFiles(h)).toEqual(['snapshot.1']); // sorted, not written yet
      h.turns.run();
      turns++;
    }
    // One turn per run sorted, one merged them and wrote the first slice, then a slice per turn.
    expect(turns).toBe(runs + runs);
    expect(h.node.log.snapshotIndex).toBe(12);
    expect(h.env.traces.filter((t) => t.name === 'snapshot')).toEqual([
      { name: 'snapshot', data: { index: 12 } },
    ]);
    // What a restart reads back: the snapshot at 12, with every key in order, and the entry after it.
    const recovered = new RaftStorage(h.env.disk).recover();
    expect(recovered.snapshot?.lastIndex).toBe(12);
    const keys = recovered.snapshot?.data.kv.map(([key]) => key) ?? [];
    expect(keys).toHaveLength(KEYS + 2);
    expect(keys).toEqual([...keys].sort());
    expect(recovered.entries).toEqual([put(1, 3, 'c')]);
    expect(snapshotFiles(h)).toEqual(['snapshot.2']);
  });

  it('is dropped, file and all, when a newer snapshot is installed before it is whole', () => {
    const h = follower();
    const runs = Math.ceil((KEYS + 2) / SNAPSHOT_SLICE_ITEMS);
    for (let turn = 1; turn < runs + 1; turn++) h.turns.run(); // sorted, and a first slice written
    expect(snapshotFiles(h)).toEqual(['snapshot.1', 'snapshot.2']);
    h.node.onMessage('n2', { type: 'snapshot', term: 1, ...bigSnapshot(20), round: 2 });
    expect(h.turns.pending).toBe(1); // (a cleared timer of this test's queue is simply never run)
    expect(h.node.log.snapshotIndex).toBe(20);
    expect(h.env.traces.filter((t) => t.name === 'snapshot')).toEqual([]);
    const recovered = new RaftStorage(h.env.disk).recover();
    expect(recovered.snapshot?.lastIndex).toBe(20);
    expect(snapshotFiles(h)).toEqual(['snapshot.2']);
  });

  it('a crash before it is whole restarts from the previous snapshot and the log', () => {
    const h = follower();
    const runs = Math.ceil((KEYS + 2) / SNAPSHOT_SLICE_ITEMS);
    for (let turn = 1; turn < runs + 1; turn++) h.turns.run();
    h.env.disk.sync(); // the partial file reached the disk
    const node = new RaftNode(h.env, { ...testConfig, snapshotEvery: 0 });
    expect(node.log.snapshotIndex).toBe(10);
    expect(node.log.lastIndex).toBe(12);
    expect(snapshotFiles(h)).toEqual(['snapshot.1']);
  });
});

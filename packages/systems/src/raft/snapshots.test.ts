/**
 * Taking a snapshot of a large state a slice per turn (`Snapshots.maybeSnapshot`): the member goes on
 * answering in between, the log is compacted only once the file is whole, a newer snapshot installed
 * meanwhile drops the one in progress, and a restart reads back what was taken.
 */
import { describe, expect, it } from 'vitest';
import { RaftNode } from './node';
import { SNAPSHOT_SLICE_ITEMS } from './snapshots';
import { RaftStorage, type StoredSnapshot } from './storage';
import { VOTERS, put, startNode, testConfig } from './test-support/single-node';
import type { AppendEntries, Entry } from './types';

const KEYS = SNAPSHOT_SLICE_ITEMS * 2 + 500; // three slices

function bigSnapshot(lastIndex: number): StoredSnapshot {
  const kv: [string, string][] = [];
  for (let k = 0; k < KEYS; k++) kv.push([`key${String(k).padStart(6, '0')}`, `value-${k}`]);
  return { lastIndex, lastTerm: 1, voters: VOTERS, data: { kv, sessions: [] } };
}

function append(prevIndex: number, entries: readonly Entry[], leaderCommit: number): AppendEntries {
  return { type: 'append', term: 1, prevIndex, prevTerm: 1, entries, leaderCommit, round: 1 };
}

/** A follower holding a large snapshot at 10 that snapshots again after two more applied entries. */
function follower() {
  const h = startNode({ term: 1, snapshot: bigSnapshot(10), config: { snapshotEvery: 2 } });
  // Two entries committed at once: applying them starts a snapshot at 12.
  h.node.onMessage('n2', append(10, [put(1, 1, 'a'), put(1, 2, 'b')], 12));
  return h;
}

const snapshotFiles = (h: ReturnType<typeof startNode>) =>
  h.env.disk.list().filter((name) => name.startsWith('snapshot'));

describe('a snapshot taken a slice per turn', () => {
  it('is written over several turns while the member goes on answering; the log compacts at the end', () => {
    const h = follower();
    expect(h.node.lastApplied).toBe(12);
    expect(h.node.log.snapshotIndex).toBe(10); // still the old one: the new file is not whole yet
    expect(h.env.traces.some((t) => t.name === 'snapshot')).toBe(false);
    expect(h.env.take()).toHaveLength(1); // the acknowledgement went out meanwhile
    h.node.onMessage('n2', append(12, [put(1, 3, 'c')], 12)); // and the next append is answered too
    expect(h.env.take()).toMatchObject([
      { to: 'n2', msg: { type: 'append-reply', success: true, matchIndex: 13 } },
    ]);
    const firstTurn = (h.env.disk.read('snapshot.2') as Uint8Array).length;
    h.env.advance(0); // the turns that follow, each a timer of 0 ms
    expect(h.node.log.snapshotIndex).toBe(12);
    expect(h.env.traces.filter((t) => t.name === 'snapshot')).toEqual([
      { name: 'snapshot', data: { index: 12 } },
    ]);
    // What a restart reads back: the snapshot at 12, with every key, and the entry after it.
    const recovered = new RaftStorage(h.env.disk).recover();
    expect(recovered.snapshot?.lastIndex).toBe(12);
    expect(recovered.snapshot?.data.kv).toHaveLength(KEYS + 2);
    expect(recovered.entries).toEqual([put(1, 3, 'c')]);
    expect(snapshotFiles(h)).toEqual(['snapshot.2']);
    // The first turn wrote one slice of the three.
    expect(firstTurn / (h.env.disk.read('snapshot.2') as Uint8Array).length).toBeCloseTo(
      SNAPSHOT_SLICE_ITEMS / KEYS,
      1,
    );
  });

  it('is dropped, file and all, when a newer snapshot is installed before it is whole', () => {
    const h = follower();
    expect(snapshotFiles(h)).toEqual(['snapshot.1', 'snapshot.2']); // the old one and the one in progress
    const installed = { ...bigSnapshot(20), lastTerm: 1 };
    h.node.onMessage('n2', { type: 'snapshot', term: 1, ...installed, round: 2 });
    h.env.advance(0);
    expect(h.node.log.snapshotIndex).toBe(20);
    expect(h.env.traces.filter((t) => t.name === 'snapshot')).toEqual([]);
    const recovered = new RaftStorage(h.env.disk).recover();
    expect(recovered.snapshot?.lastIndex).toBe(20);
    expect(snapshotFiles(h)).toEqual(['snapshot.2']);
  });

  it('a crash before it is whole restarts from the previous snapshot and the log', () => {
    const h = follower();
    h.env.disk.sync(); // the partial file reached the disk
    const node = new RaftNode(h.env, { ...testConfig, snapshotEvery: 0 });
    expect(node.log.snapshotIndex).toBe(10);
    expect(node.log.lastIndex).toBe(12);
    expect(snapshotFiles(h)).toEqual(['snapshot.1']);
  });
});

import { describe, expect, it } from 'vitest';
import { Rng, SimDisk } from '@dslab/sim';
import { probeReadAfterWrite, missedOwnWrite } from './scenarios/support';
import { buildReplicationCluster, replicationParams, lostAcknowledged, sessionCheck } from './cluster';
import { syncedLsn } from './sync-rep';
import { Wal, WAL_START, formatLsn, recordBytes } from './wal';

describe('LSNs and the WAL', () => {
  it('formats LSNs as PostgreSQL does', () => {
    expect(formatLsn(WAL_START)).toBe('0/1000000');
    expect(formatLsn(0x1_0000_0000 + 0x68)).toBe('1/68');
  });

  it('keeps only what was synced, and drops a torn last line', () => {
    const disk = new SimDisk();
    const wal = new Wal(disk);
    const a = { start: WAL_START, end: WAL_START + recordBytes('k', 'a'), timeline: 1, key: 'k', value: 'a' };
    wal.append(a);
    wal.sync();
    wal.append({ start: a.end, end: a.end + recordBytes('k', 'b'), timeline: 1, key: 'k', value: 'b' });
    disk.append('wal', new TextEncoder().encode('{"start":'));
    expect(new Wal(disk).length).toBe(2); // the volatile view: the torn tail is ignored
    disk.crash(new Rng(1));
    const recovered = new Wal(disk);
    expect(recovered.length).toBe(1);
    expect(recovered.end()).toBe(a.end);
  });

  it('rewinds to a fork point', () => {
    const wal = new Wal(new SimDisk());
    let start = WAL_START;
    for (const value of ['a', 'b', 'c']) {
      const end = start + recordBytes('k', value);
      wal.append({ start, end, timeline: 1, key: 'k', value });
      start = end;
    }
    const fork = (wal.at(0) as { end: number }).end;
    expect(wal.truncate(fork).map((r) => r.value)).toEqual(['b', 'c']);
    expect(wal.end()).toBe(fork);
    expect(wal.from(fork, 10)).toEqual([]);
  });
});

describe('synchronous standbys', () => {
  const at = (flush: number) => ({ write: flush, flush, replay: flush - 1 });
  const standbys = new Map([
    ['n2', at(100)],
    ['n3', at(300)],
  ]);
  it('FIRST k waits for the k connected standbys first in the list', () => {
    expect(syncedLsn('on', { method: 'first', count: 1, names: ['n1', 'n2', 'n3'] }, standbys)).toBe(100);
    expect(syncedLsn('on', { method: 'first', count: 1, names: ['n3', 'n2'] }, standbys)).toBe(300);
    expect(syncedLsn('remote_apply', { method: 'first', count: 2, names: ['n2', 'n3'] }, standbys)).toBe(99);
  });
  it('ANY k waits for the k-th most advanced', () => {
    expect(syncedLsn('on', { method: 'any', count: 1, names: ['n1', 'n2', 'n3'] }, standbys)).toBe(300);
    expect(syncedLsn('on', { method: 'any', count: 2, names: ['n1', 'n2', 'n3'] }, standbys)).toBe(100);
  });
  it('blocks when too few named standbys are connected', () => {
    expect(syncedLsn('on', { method: 'any', count: 3, names: ['n1', 'n2', 'n3'] }, standbys)).toBe(0);
  });
});

describe('the cluster', () => {
  it('a commit at remote_apply is visible on the synchronous standby when it returns; at on it may not be', () => {
    const missed = (level: 'on' | 'remote_apply') => {
      const params = replicationParams.parse({ syncCount: 1, commitLevel: level, clients: 1 });
      const cluster = buildReplicationCluster(params, 3, { scripted: true });
      // A long query on n2 holds its replay: flushes go on, replay waits.
      cluster.world.at(50, 'long query', () => cluster.node('n2').holdReplay(400));
      let count = 0;
      let done = 0;
      probeReadAfterWrite(cluster, 'c1', { via: 'n2', startMs: 100, gapMs: 20, count: 10, key: 'k' }, (p) => {
        done++;
        if (missedOwnWrite(p)) count++;
      });
      cluster.world.runFor(3_000);
      expect(done).toBe(10);
      return count;
    };
    expect(missed('remote_apply')).toBe(0);
    expect(missed('on')).toBeGreaterThan(0);
  });

  it('a fuzz-sized run keeps every guarantee and loses nothing without faults', () => {
    const params = replicationParams.parse({
      syncCount: 1,
      commitLevel: 'on',
      readPolicy: 'lsn-wait',
      durationMs: 1_500,
    });
    const cluster = buildReplicationCluster(params, 5);
    cluster.world.runFor(params.durationMs);
    cluster.phase = 'stop';
    cluster.world.runFor(1_000);
    const result = sessionCheck(cluster);
    expect(result.operations).toBeGreaterThan(100);
    expect(result.counts).toEqual({
      'read-your-writes': 0,
      'monotonic-reads': 0,
      'monotonic-writes': 0,
      'writes-follow-reads': 0,
    });
    expect(lostAcknowledged(cluster)).toEqual([]);
  });

  it('rejects a fenced configuration that could promote before the old primary stops', () => {
    expect(() => replicationParams.parse({ fenced: true, leaseMs: 500, failoverAfterMs: 400 })).toThrow(
      /failoverAfterMs must exceed leaseMs/,
    );
  });
});

describe('client sessions', () => {
  it('a duplicate of a served write does not commit again after the primary restarts', () => {
    const params = replicationParams.parse({ syncCount: 1, commitLevel: 'on', clients: 1 });
    const cluster = buildReplicationCluster(params, 3, { scripted: true });
    const primary = 'n1';
    cluster.world.at(100, 'write', () => cluster.client('c1').write('dup', 'once'));
    cluster.world.runFor(400);
    const written = cluster.node(primary).valueOf('dup');
    expect(written.value).toBe('once');
    const records = cluster.node(primary).snapshot().records;
    cluster.world.crash(primary);
    cluster.world.restart(primary);
    cluster.world.runFor(50);
    expect(cluster.node(primary).role).toBe('primary');
    // The network hands the restarted primary a copy of the old packet: the client's first request, id 1.
    cluster.node(primary).onMessage('c1', { type: 'write', id: 1, key: 'dup', value: 'once', level: 'on' });
    cluster.world.runFor(400);
    expect(cluster.node(primary).snapshot().records).toBe(records);
    expect(cluster.node(primary).valueOf('dup')).toEqual(written);
    // A new request of the same session does commit: the primary was taking writes all along.
    cluster.node(primary).onMessage('c1', { type: 'write', id: 2, key: 'dup', value: 'twice', level: 'on' });
    cluster.world.runFor(400);
    expect(cluster.node(primary).snapshot().records).toBe(records + 1);
  });
});

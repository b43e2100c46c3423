import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { World, type Env } from '@dslab/sim';
import { raftFuzz, raftFuzzCluster } from './fuzz';
import { fuzzRaft, raftSimulation } from './simulation';
import { liveRun } from '../kit';
import { raftSystem } from './index';
import { buildRaftCluster, raftParams } from './cluster';
import { KvStateMachine } from './kv';
import { LOG_MAGIC, logRecord } from './log-record';
import { RaftStorage } from './storage';
import type { Entry } from './types';
import { mutantSeeds } from './mutant-seeds';

describe('raft fuzzing', () => {
  it('the same seed gives the same trace, other seeds give others', () => {
    const a = fuzzRaft(7);
    const b = fuzzRaft(7);
    const c = fuzzRaft(8);
    expect(a.traceHash).toBe(b.traceHash);
    expect(a.events).toBe(b.events);
    expect(c.traceHash).not.toBe(a.traceHash);
  });

  // Re-pinned deliberately, each time the protocol changed: when the leader began to skip the periodic
  // heartbeat to a follower it sent something in the last half interval (broadcastAppend), then when it
  // began to bound the appends in flight to each follower (maxInflightAppends, default 2) and the fuzzer
  // to draw that bound per seed (seeds 42 and 99 draw 256, where the window never fills: their traces
  // stayed). Pure optimisations of the kernel or of Raft must not move a single event.
  it('gives the pinned trace hashes (kernel and Raft optimisations must not move a single event)', () => {
    const run = raftSystem.run;
    if (!run) throw new Error('raft has no free run');
    expect(run(raftParams.parse({}), 7).traceHash).toBe('82590130c5747153');
    expect([3, 42, 99].map((seed) => fuzzRaft(seed).traceHash)).toEqual([
      'cf6015fee39880d9',
      'a32f889b9bdd8f28',
      'b7b9310797d5b785',
    ]);
  });

  it('finds no violation over a batch of seeds with the full nemesis', () => {
    const failures = [];
    for (let seed = 0; seed < 60; seed++) {
      const outcome = fuzzRaft(seed);
      if (!outcome.ok) failures.push(`${seed}: ${outcome.failure}`);
    }
    expect(failures).toEqual([]);
  });

  // The check each mutant must trip is data in fuzz.ts (catching it for the wrong reason would not
  // count); the outcome names the check that failed, so the table compares names, not message text.
  it.each(raftFuzz.mutants.map((mutant) => [mutant.name, mutant.seed, mutant.caughtBy] as const))(
    'catches the %s mutant on seed %i through %s; the correct protocol passes that seed',
    (mutant, seed, check) => {
      const broken = fuzzRaft(seed, { mutant });
      expect(broken.ok).toBe(false);
      expect(broken.check, broken.failure).toBe(check);
      expect(fuzzRaft(seed).ok).toBe(true);
    },
  );

  it('names a distinct check for every mutant but the two that prove leader completeness', () => {
    const checks = raftFuzz.mutants.map((mutant) => mutant.caughtBy);
    expect(new Set(checks).size).toBe(checks.length - 1);
  });

  it('rejects an unknown mutant by name', () => {
    expect(() => fuzzRaft(1, { mutant: 'nope' })).toThrow(/unknown mutant 'nope' of raft/);
  });
});

// Every scenario's verdict in quick mode at seed 1 is asserted by registry.test.ts.

describe('raft live view', () => {
  it('an on-demand check names the operation no order explains, for the lab to highlight', () => {
    const cluster = raftFuzzCluster(mutantSeeds['read-without-read-index'], 'read-without-read-index');
    cluster.world.runUntil(7_000);
    cluster.phase = 'final';
    cluster.world.runFor(3_000);
    const found = liveRun(raftSimulation, cluster).check?.();
    const verdict = Object.entries(found?.verdicts ?? {}).find(([name]) => name.startsWith('linearizable'));
    expect(verdict?.[1]).toMatch(/not linearizable: no order explains c\d/);
    expect(found?.highlights).toHaveLength(1);
    expect(found?.highlights[0]?.node).toMatch(/^c\d$/);
    const clean = buildRaftCluster(raftParams.parse({ durationMs: 2_000 }), 5);
    clean.world.runFor(2_000);
    expect(clean.recorder.history().length).toBeGreaterThan(20);
    const cleanCheck = liveRun(raftSimulation, clean).check?.();
    expect(Object.entries(cleanCheck?.verdicts ?? {}).filter(([, problem]) => problem !== undefined)).toEqual(
      [],
    );
    expect(Object.keys(cleanCheck?.verdicts ?? {})).toContain(
      `linearizable (${clean.recorder.history().length} operations)`,
    );
    expect(cleanCheck?.highlights).toEqual([]);
  });
});

describe('raft params', () => {
  it('parses {} into the default run and rejects nonsense with a message', () => {
    expect(raftParams.parse({}).nodes).toBe(5);
    expect(() => raftParams.parse({ electionMinMs: 300, electionMaxMs: 200 })).toThrow(/electionMaxMs/);
    expect(() => raftParams.parse({ heartbeatMs: 500 })).toThrow(/heartbeatMs/);
    expect(() => raftParams.parse({ mutant: 'x' })).toThrow();
  });

  it('a free run is linearizable and deterministic', () => {
    const run = raftSystem.run;
    if (!run) throw new Error('raft has no free run');
    const params = raftParams.parse({ durationMs: 3_000 });
    const a = run(params, 3);
    const b = run(params, 3);
    expect(a.traceHash).toMatch(/^[0-9a-f]{16}$/);
    expect(a.traceHash).toBe(b.traceHash);
    expect(run(params, 4).traceHash).not.toBe(a.traceHash);
    expect(Object.keys(a.checks).sort()).toEqual(['invariants', 'linearizable']);
    expect(Object.values(a.checks).filter((problem) => problem !== undefined)).toEqual([]);
    expect(a.metrics.clientOpsOk).toBeGreaterThan(40);
  });
});

describe('raft storage', () => {
  function diskOf(world: World) {
    let disk: Env['disk'] | undefined;
    world.addNode('d', (env) => {
      disk = env.disk;
      return { onMessage() {}, snapshot: () => null };
    });
    world.start();
    return disk as Env['disk'];
  }

  it('recovers term, vote and log, and truncates a torn tail instead of applying it', () => {
    const disk = diskOf(new World({ seed: 1 }));
    const storage = new RaftStorage(disk);
    const entries: Entry[] = [
      { term: 1, kind: 'noop' },
      { term: 1, kind: 'command', command: { client: 'c', seq: 1, op: { f: 'put', key: 'k', value: 'v' } } },
    ];
    storage.saveMeta(3, 'n2');
    storage.appendEntries(1, entries);
    // a conflicting entry at index 2 replaces the tail
    storage.appendEntries(2, [{ term: 2, kind: 'noop' }]);
    storage.flush();
    // A crash mid-append leaves the first bytes of the next record.
    const next = logRecord(3, { term: 2, kind: 'noop' });
    disk.append('log', next.slice(0, next.length - 3));
    disk.sync();
    const recovered = new RaftStorage(disk).recover();
    expect(recovered.term).toBe(3);
    expect(recovered.vote).toBe('n2');
    expect(recovered.entries).toEqual([entries[0], { term: 2, kind: 'noop' }]);
    expect(recovered.tornRecords).toBe(1);
    expect(new RaftStorage(disk).recover().tornRecords).toBe(0); // the torn record is gone for good
  });

  it('refuses to start when a record in the middle of the log is corrupt', () => {
    const world = new World({ seed: 2 });
    const disk = diskOf(world);
    const storage = new RaftStorage(disk);
    storage.appendEntries(1, [
      { term: 1, kind: 'noop' },
      { term: 1, kind: 'noop' },
      { term: 1, kind: 'noop' },
    ]);
    storage.flush();
    world.disk('d').corrupt('log', LOG_MAGIC.length + 5, 3); // a bit flip inside the first record
    expect(() => new RaftStorage(world.disk('d')).recover()).toThrow(/corrupt and later records are intact/);
  });
});

describe('the KV state machine', () => {
  it('applies a command once per (client, seq), whatever the retries', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 60 }), (seqs) => {
        const machine = new KvStateMachine();
        const sorted = [...seqs].sort((a, b) => a - b); // a client's retries arrive in order, repeated
        for (const seq of sorted)
          machine.apply({ client: 'c', seq, op: { f: 'append', key: 'k', value: `${seq},` } });
        const distinct = [...new Set(sorted)];
        expect(machine.read('k').value).toBe(distinct.map((s) => `${s},`).join(''));
      }),
    );
  });

  it('a snapshot restores data and sessions', () => {
    const machine = new KvStateMachine();
    machine.apply({ client: 'c', seq: 1, op: { f: 'put', key: 'a', value: '1' } });
    machine.apply({ client: 'c', seq: 2, op: { f: 'cas', key: 'a', from: '1', to: '2' } });
    const copy = KvStateMachine.restore(machine.snapshot());
    expect(copy.read('a').value).toBe('2');
    expect(copy.apply({ client: 'c', seq: 2, op: { f: 'cas', key: 'a', from: '1', to: '3' } })).toEqual({
      ok: true,
    });
    expect(copy.read('a').value).toBe('2');
  });
});

/**
 * The incremental log-matching check (`LogMatchingCheck`) against the full pairwise scan it replaces
 * while a cluster runs: on random logs that append, replicate, truncate, compact and restart, and on
 * every mutant's pinned fuzz seed, both must return the same verdict with the same message after every
 * step — the incremental one is only allowed to be cheaper.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InvariantViolation } from '@dslab/sim';
import { raftFuzzCluster } from './fuzz';
import { mutantSeeds } from './mutant-seeds';
import { RaftLog, TRUNCATIONS_KEPT } from './log';
import { LogMatchingCheck, checkLogMatching, logMatchingViolation, type NamedLog } from './safety';
import { raftMutants, type Entry } from './types';

type Step =
  | {
      readonly op: 'append';
      readonly node: number;
      readonly bump: boolean;
      readonly client: number;
      readonly seq: number;
    }
  | { readonly op: 'copy'; readonly from: number; readonly to: number; readonly at: number }
  | { readonly op: 'truncate'; readonly node: number; readonly at: number }
  | { readonly op: 'compact'; readonly node: number; readonly at: number; readonly matching: boolean }
  | { readonly op: 'restart'; readonly node: number }
  | { readonly op: 'check' };

const NODES = 3;
const node = fc.integer({ min: 0, max: NODES - 1 });
const offset = fc.integer({ min: 0, max: 12 });

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('append' as const),
      node,
      bump: fc.boolean(),
      // Few clients and sequence numbers: distinct objects often carry the same key, as after a restart.
      client: fc.integer({ min: -1, max: 2 }),
      seq: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 8, arbitrary: fc.record({ op: fc.constant('copy' as const), from: node, to: node, at: offset }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), node, at: offset }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('compact' as const), node, at: offset, matching: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('restart' as const), node }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('check' as const) }) },
);

/** Applies one step to the logs the way Raft's own operations would (terms never decrease along a log). */
function apply(logs: { id: string; log: RaftLog }[], s: Step): void {
  switch (s.op) {
    case 'append': {
      const log = (logs[s.node] as NamedLog).log;
      const term = log.lastTerm + (s.bump ? 1 : 0);
      const entry: Entry =
        s.client < 0
          ? { term, kind: 'noop' }
          : {
              term,
              kind: 'command',
              command: { client: `c${s.client}`, seq: s.seq, op: { f: 'get', key: 'k' } },
            };
      log.append(entry);
      return;
    }
    case 'copy': {
      // A follower taking the leader's entry at an index (the same object, as in the simulator).
      const from = (logs[s.from] as NamedLog).log;
      const to = (logs[s.to] as NamedLog).log;
      const at = to.snapshotIndex + 1 + s.at;
      if (s.from === s.to || at <= from.snapshotIndex || at > from.lastIndex || at > to.lastIndex + 1) return;
      const entry = from.entry(at);
      if (at <= to.lastIndex) {
        if (to.term(at) === entry.term) return;
        if ((to.term(at - 1) ?? 0) > entry.term) return;
        to.truncateFrom(at);
      }
      if (entry.term >= to.lastTerm) to.append(entry);
      return;
    }
    case 'truncate': {
      const log = (logs[s.node] as NamedLog).log;
      const at = log.snapshotIndex + 1 + s.at;
      if (at <= log.lastIndex) log.truncateFrom(at);
      return;
    }
    case 'compact': {
      const log = (logs[s.node] as NamedLog).log;
      const at = log.snapshotIndex + 1 + s.at;
      const term = s.matching && at <= log.lastIndex ? (log.term(at) as number) : log.lastTerm + 1;
      log.compactTo(at, term);
      return;
    }
    case 'restart': {
      // A new log object recovered from disk: equal entries, different objects.
      const named = logs[s.node] as { id: string; log: RaftLog };
      const old = named.log;
      const log = new RaftLog(old.snapshotIndex, old.snapshotTerm);
      for (const entry of old.all()) log.append(JSON.parse(JSON.stringify(entry)) as Entry);
      named.log = log;
      return;
    }
    case 'check':
      return;
  }
}

describe('incremental log matching', () => {
  it('reaches the full scan’s verdict, with its message, after every step of random logs', () => {
    let violations = 0;
    let checks = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 20, maxLength: 150 }), (steps) => {
        const logs = Array.from({ length: NODES }, (_, i) => ({ id: `n${i + 1}`, log: new RaftLog() }));
        const incremental = new LogMatchingCheck();
        for (const s of steps) {
          apply(logs, s);
          // Checks are sparse on purpose: a mark may be many appends and truncations old.
          if (s.op !== 'check') continue;
          const full = logMatchingViolation(logs);
          expect(incremental.checkLogs(logs)).toBe(full);
          checks++;
          if (full !== undefined) violations++;
        }
        const last = logMatchingViolation(logs);
        expect(incremental.checkLogs(logs)).toBe(last);
      }),
      { numRuns: 400, seed: 21 },
    );
    // The generator must reach both verdicts, or the comparison proves little.
    expect(checks).toBeGreaterThan(500);
    expect(violations).toBeGreaterThan(20);
    expect(violations).toBeLessThan(checks);
  });

  it('rescans a log that forgot the truncations since its mark', () => {
    const a = { id: 'a', log: new RaftLog() };
    const b = { id: 'b', log: new RaftLog() };
    for (let t = 1; t <= 3; t++) {
      const entry: Entry = { term: t, kind: 'noop' };
      a.log.append(entry);
      b.log.append(entry);
    }
    const check = new LogMatchingCheck();
    expect(check.checkLogs([a, b])).toBeUndefined();
    const mark = b.log.mark();
    for (let k = 0; k <= TRUNCATIONS_KEPT; k++) {
      b.log.truncateFrom(3);
      b.log.append({ term: 3, kind: 'noop' });
    }
    expect(b.log.changedSince(mark)).toBe(0);
    // Index 2 now differs (another term-2 entry) while index 3 agrees in term: a violation, found.
    b.log.truncateFrom(2);
    b.log.append({ term: 2, kind: 'command', command: { client: 'x', seq: 1, op: { f: 'get', key: 'k' } } });
    b.log.append({ term: 3, kind: 'noop' });
    expect(check.checkLogs([a, b])).toBe(logMatchingViolation([a, b]));
    expect(check.checkLogs([a, b])).toMatch(/agree at index 3 but differ at 2/);
  });

  // Every mutant's pinned seed (and a few seeds of the correct protocol, which run to the end), both
  // checks after every event until the run ends or another check stops it: skip-consistency-check, the
  // mutant that breaks logs, must meet the failing verdict.
  it.each([
    ...raftMutants.map((mutant) => [mutant, mutantSeeds[mutant]] as const),
    ...[3, 42, 99].map((seed) => ['correct protocol', seed] as const),
  ])('agrees with the full scan after every event of the %s on seed %i', (name, seed) => {
    const mutant = raftMutants.find((m) => m === name);
    const cluster = raftFuzzCluster(seed, mutant);
    const incremental = new LogMatchingCheck();
    let found = 0;
    cluster.world.addInvariant('incremental = full', () => {
      const full = checkLogMatching(cluster.world, cluster.servers);
      const fast = incremental.check(cluster.world, cluster.servers);
      if (full !== undefined) found++;
      return fast === full ? undefined : `incremental: ${fast}; full: ${full}`;
    });
    try {
      cluster.world.runUntil(14_000);
    } catch (error) {
      if (!(error instanceof InvariantViolation)) throw error;
      expect(error.message).not.toMatch(/incremental = full/);
    }
    if (mutant === 'skip-consistency-check') expect(found).toBeGreaterThan(0);
  });
});

/**
 * RaftLog one operation at a time: a log in a known shape, one call, the value it returns (or the
 * assertion it trips) and the log it leaves. Each case names the section of the Raft paper it serves.
 */
import { describe, expect, it } from 'vitest';
import { RaftLog } from './log';
import type { Entry } from './types';

type Section = '§5.3 log replication' | '§5.3 fast back-off hints' | '§7 log compaction';

interface LogShape {
  /** Last index covered by the snapshot, and its term. */
  readonly base?: number;
  readonly baseTerm?: number;
  /** Terms of the entries after the snapshot. */
  readonly terms: readonly number[];
}

interface Case {
  readonly section: Section;
  readonly name: string;
  readonly given: LogShape;
  readonly op: (log: RaftLog) => unknown;
  /** What `op` returns, when the case cares. */
  readonly returns?: unknown;
  /** The assertion `op` must trip (the log is then not checked). */
  readonly throws?: RegExp;
  /** The log afterwards. */
  readonly then?: LogShape & { readonly lastIndex?: number; readonly lastTerm?: number };
}

const noop = (term: number): Entry => ({ term, kind: 'noop' });

function build(shape: LogShape): RaftLog {
  const log = new RaftLog(shape.base ?? 0, shape.baseTerm ?? 0);
  for (const term of shape.terms) log.append(noop(term));
  return log;
}

function shapeOf(log: RaftLog) {
  return {
    base: log.snapshotIndex,
    baseTerm: log.snapshotTerm,
    terms: log.all().map((e) => e.term),
    lastIndex: log.lastIndex,
    lastTerm: log.lastTerm,
  };
}

const cases: Case[] = [
  {
    section: '§5.3 log replication',
    name: 'an empty log ends at index 0 in term 0, so the first AppendEntries (prevIndex 0, prevTerm 0) matches',
    given: { terms: [] },
    op: (log) => [log.term(0), log.term(1)],
    returns: [0, undefined],
    then: { terms: [], lastIndex: 0, lastTerm: 0 },
  },
  {
    section: '§5.3 log replication',
    name: 'append returns the new entry’s absolute index',
    given: { terms: [1, 1] },
    op: (log) => log.append(noop(2)),
    returns: 3,
    then: { terms: [1, 1, 2], lastIndex: 3, lastTerm: 2 },
  },
  {
    section: '§5.3 log replication',
    name: 'terms never decrease along a log: appending an older term is a bug',
    given: { terms: [1, 2] },
    op: (log) => log.append(noop(1)),
    throws: /log terms never decrease/,
  },
  {
    section: '§5.3 log replication',
    name: 'truncating from an index drops that entry and everything after it (a conflict with the leader)',
    given: { terms: [1, 2, 2, 2] },
    op: (log) => log.truncateFrom(2),
    then: { terms: [1], lastIndex: 1, lastTerm: 1 },
  },
  {
    section: '§5.3 log replication',
    name: 'slice gives at most `max` entries from an index (one AppendEntries batch)',
    given: { terms: [1, 1, 2, 2, 3] },
    op: (log) => log.slice(2, 3).map((e) => e.term),
    returns: [1, 2, 2],
  },
  {
    section: '§5.3 log replication',
    name: 'reading an entry past the end is a bug, not an undefined',
    given: { terms: [1] },
    op: (log) => log.entry(2),
    throws: /log bounds/,
  },
  {
    section: '§5.3 fast back-off hints',
    name: 'the first index of the conflicting term at or before prevIndex',
    given: { terms: [1, 2, 2, 2, 3] },
    op: (log) => log.firstIndexOfTerm(2, 4),
    returns: 2,
  },
  {
    section: '§5.3 fast back-off hints',
    name: 'the search for the first index stops at the snapshot (entries below it are gone)',
    given: { base: 2, baseTerm: 2, terms: [2, 2] },
    op: (log) => log.firstIndexOfTerm(2, 4),
    returns: 3,
  },
  {
    section: '§5.3 fast back-off hints',
    name: 'the leader’s last index of the follower’s conflicting term',
    given: { terms: [1, 2, 2, 2, 3] },
    op: (log) => log.lastIndexOfTerm(2),
    returns: 4,
  },
  {
    section: '§5.3 fast back-off hints',
    name: 'a term the leader never had gives 0 (resend from the follower’s first index of it)',
    given: { terms: [1, 1, 4] },
    op: (log) => log.lastIndexOfTerm(3),
    returns: 0,
  },
  {
    section: '§5.3 fast back-off hints',
    name: 'a term that ends exactly at the snapshot is found there',
    given: { base: 3, baseTerm: 2, terms: [4, 4] },
    op: (log) => log.lastIndexOfTerm(2),
    returns: 3,
  },
  {
    section: '§7 log compaction',
    name: 'compaction keeps the entries after the snapshot when the log agrees with it at its last index',
    given: { terms: [1, 1, 2, 2] },
    op: (log) => log.compactTo(2, 1),
    then: { base: 2, baseTerm: 1, terms: [2, 2], lastIndex: 4, lastTerm: 2 },
  },
  {
    section: '§7 log compaction',
    name: 'an installed snapshot that disagrees with the log replaces all of it',
    given: { terms: [1, 1, 2] },
    op: (log) => log.compactTo(3, 3),
    then: { base: 3, baseTerm: 3, terms: [], lastIndex: 3, lastTerm: 3 },
  },
  {
    section: '§7 log compaction',
    name: 'a snapshot beyond the log’s end leaves only the snapshot',
    given: { terms: [1] },
    op: (log) => log.compactTo(5, 2),
    then: { base: 5, baseTerm: 2, terms: [], lastIndex: 5, lastTerm: 2 },
  },
  {
    section: '§7 log compaction',
    name: 'compacting to an index at or below the current snapshot changes nothing',
    given: { base: 4, baseTerm: 2, terms: [3] },
    op: (log) => log.compactTo(3, 2),
    then: { base: 4, baseTerm: 2, terms: [3], lastIndex: 5, lastTerm: 3 },
  },
  {
    section: '§7 log compaction',
    name: 'the snapshot’s last term is still known (the consistency check at the boundary), earlier ones are not',
    given: { base: 4, baseTerm: 2, terms: [3] },
    op: (log) => [log.term(3), log.term(4), log.term(5)],
    returns: [undefined, 2, 3],
  },
  {
    section: '§7 log compaction',
    name: 'an entry inside the snapshot cannot be read',
    given: { base: 4, baseTerm: 2, terms: [3] },
    op: (log) => log.entry(4),
    throws: /log bounds/,
  },
  {
    section: '§7 log compaction',
    name: 'a batch cannot start inside the snapshot (the leader must send the snapshot instead)',
    given: { base: 4, baseTerm: 2, terms: [3] },
    op: (log) => log.slice(4, 10),
    throws: /log bounds/,
  },
  {
    section: '§7 log compaction',
    name: 'committed entries inside a snapshot cannot be truncated',
    given: { base: 4, baseTerm: 2, terms: [3] },
    op: (log) => log.truncateFrom(4),
    throws: /log truncation/,
  },
];

describe('RaftLog, one operation at a time', () => {
  it.each(cases.map((c) => [`${c.section}: ${c.name}`, c] as const))('%s', (_title, c) => {
    const log = build(c.given);
    if (c.throws) {
      expect(() => c.op(log)).toThrow(c.throws);
      return;
    }
    const returned = c.op(log);
    if ('returns' in c) expect(returned).toEqual(c.returns);
    if (c.then) expect(shapeOf(log)).toMatchObject({ base: 0, baseTerm: 0, ...c.then });
  });
});

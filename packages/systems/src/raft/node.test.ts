/**
 * Message-level tests of one RaftNode, in the style of etcd's raft tests: each case builds a node in a
 * known state from its durable state (and, where needed, a few earlier messages), hands it one message or
 * lets one timer fire, and compares what it sent and the state it is left in. Every case names the
 * section of the Raft paper (Ongaro & Ousterhout 2014) whose rule it checks.
 */
import { describe, expect, it } from 'vitest';
import { InvariantViolation, type NodeId } from '@dslab/sim';
import { Commit } from './commit';
import { MAX_PENDING_READS } from './reads';
import { MAX_WAITING_CLIENTS } from './requests';
import type { RaftNodeSnapshot } from './node';
import { RaftStorage } from './storage';
import { ServerState, type Parts } from './state';
import {
  ELECTION_TIMEOUT_MS,
  FakeEnv,
  VOTERS,
  logOf,
  noop,
  put,
  startCandidate,
  startLeader,
  startNode,
  testConfig,
  type Harness,
  type Sent,
} from './test-support/single-node';
import type { ClientOp, Entry, KvResult, RaftMessage } from './types';

// ---- messages, spelled out once ----

function append(
  term: number,
  prevIndex: number,
  prevTerm: number,
  entries: readonly Entry[],
  leaderCommit: number,
  round: number,
): RaftMessage {
  return { type: 'append', term, prevIndex, prevTerm, entries, leaderCommit, round };
}

function appendOk(term: number, matchIndex: number, round: number): RaftMessage {
  return { type: 'append-reply', term, success: true, matchIndex, conflictTerm: 0, conflictIndex: 0, round };
}

function appendRefused(
  term: number,
  conflictTerm: number,
  conflictIndex: number,
  round: number,
): RaftMessage {
  return { type: 'append-reply', term, success: false, matchIndex: 0, conflictTerm, conflictIndex, round };
}

function vote(term: number, lastLogIndex: number, lastLogTerm: number): RaftMessage {
  return { type: 'vote', term, lastLogIndex, lastLogTerm };
}

function preVote(term: number, lastLogIndex: number, lastLogTerm: number): RaftMessage {
  return { type: 'prevote', term, lastLogIndex, lastLogTerm };
}

function voteReply(term: number, granted: boolean): RaftMessage {
  return { type: 'vote-reply', term, granted };
}

function request(seq: number, op: ClientOp, client = 'c1'): RaftMessage {
  return { type: 'request', client, seq, op };
}

function response(seq: number, result: KvResult, leader?: NodeId, client = 'c1'): RaftMessage {
  return { type: 'response', client, seq, result, ...(leader !== undefined ? { leader } : {}) };
}

const to = (node: NodeId, msg: RaftMessage): Sent => ({ to: node, msg });
const toFollowers = (msg: RaftMessage): Sent[] => [to('n2', msg), to('n3', msg)];
const emptyData = { kv: [], sessions: [] };

// ---- the table ----

type Section =
  | '§5.2 elections'
  | '§5.3 log replication'
  | '§5.4.1 election restriction'
  | '§5.4.2 committing entries from previous terms'
  | '§6 membership changes'
  | '§7 log compaction'
  | '§8 client interaction';

interface Case {
  readonly section: Section;
  readonly name: string;
  /** The node before the input. */
  readonly given: () => Harness;
  /** The one input: a message from `from`, or `waitMs` of silence (a timer fires). */
  readonly input: { readonly from: NodeId; readonly msg: RaftMessage } | { readonly waitMs: number };
  /** Exactly the messages sent, in order (omitted: not checked — a case about state only). */
  readonly sends?: readonly Sent[];
  /** Fields of the state afterwards (`terms`: the terms of the entries after the snapshot). */
  readonly state: Partial<RaftNodeSnapshot & { terms: readonly number[] }>;
  /** Trace events the node must have emitted. */
  readonly traces?: readonly string[];
}

/** A follower of n2 in term 2 with log [1, 2]: the starting point of most cases. */
const follower = (config: Partial<typeof testConfig> = {}) =>
  startNode({ term: 2, log: logOf(1, 2), config });

/** n1, leader of term 3 over log [1, 2] plus its no-op at 3 (sent to n2 and n3 in round 1). */
const leader = (config: Partial<typeof testConfig> = {}, committed = false) =>
  startLeader({ term: 2, log: logOf(1, 2), config }, { committed });

function given(harness: Harness, ...before: [NodeId, RaftMessage][]): Harness {
  for (const [from, msg] of before) harness.deliver(from, msg);
  return harness;
}

const cases: Case[] = [
  // §5.2: leader election
  {
    section: '§5.2 elections',
    name: 'a follower that hears nothing for an election timeout becomes a candidate of the next term, votes for itself and asks every voter',
    given: () => follower(),
    input: { waitMs: ELECTION_TIMEOUT_MS },
    sends: toFollowers(vote(3, 2, 2)),
    state: { role: 'candidate', term: 3, votedFor: 'n1', leader: null },
    traces: ['candidate'],
  },
  {
    section: '§5.2 elections',
    name: 'with pre-vote it first asks whether it could win, without raising its term or voting',
    given: () => follower({ preVote: true }),
    input: { waitMs: ELECTION_TIMEOUT_MS },
    sends: toFollowers(preVote(3, 2, 2)),
    state: { role: 'pre-candidate', term: 2, votedFor: null },
  },
  {
    section: '§5.2 elections',
    name: 'a pre-candidate that a majority would vote for starts the real election',
    given: () => {
      const h = follower({ preVote: true });
      h.wait(ELECTION_TIMEOUT_MS);
      return h;
    },
    input: { from: 'n2', msg: { type: 'prevote-reply', term: 3, granted: true } },
    sends: toFollowers(vote(3, 2, 2)),
    state: { role: 'candidate', term: 3, votedFor: 'n1' },
  },
  {
    section: '§5.2 elections',
    name: 'a voter grants its vote to the first candidate of a newer term whose log is up to date, adopting the term',
    given: () => follower(),
    input: { from: 'n2', msg: vote(3, 2, 2) },
    sends: [to('n2', voteReply(3, true))],
    state: { role: 'follower', term: 3, votedFor: 'n2' },
  },
  {
    section: '§5.2 elections',
    name: 'one vote per term: a voter that voted for n3 refuses n2 in the same term',
    given: () => startNode({ term: 3, votedFor: 'n3', log: logOf(1, 2) }),
    input: { from: 'n2', msg: vote(3, 2, 2) },
    sends: [to('n2', voteReply(3, false))],
    state: { term: 3, votedFor: 'n3' },
  },
  {
    section: '§5.2 elections',
    name: 'a vote request of an older term is refused with the voter’s term, which tells the candidate it is stale',
    given: () => startNode({ term: 5, log: logOf(1, 2) }),
    input: { from: 'n2', msg: vote(4, 9, 4) },
    sends: [to('n2', voteReply(5, false))],
    state: { term: 5, votedFor: null },
  },
  {
    section: '§5.2 elections',
    name: 'a candidate with a majority (itself and n2) becomes leader and sends its no-op to every follower at once',
    given: () => startCandidate({ term: 2, log: logOf(1, 2) }),
    input: { from: 'n2', msg: voteReply(3, true) },
    sends: toFollowers(append(3, 2, 2, [noop(3)], 0, 1)),
    state: { role: 'leader', leader: 'n1', term: 3, lastIndex: 3, terms: [1, 2, 3] },
    traces: ['leader'],
  },
  {
    section: '§5.2 elections',
    name: 'a refusal does not end a candidacy: the candidate waits for its timer',
    given: () => startCandidate({ term: 2, log: logOf(1, 2) }),
    input: { from: 'n2', msg: voteReply(3, false) },
    sends: [],
    state: { role: 'candidate', term: 3 },
  },
  {
    section: '§5.2 elections',
    name: 'a candidate that hears from a leader of its own term steps down and follows it',
    given: () => startCandidate({ term: 2, log: logOf(1, 2) }),
    input: { from: 'n2', msg: append(3, 2, 2, [], 0, 1) },
    sends: [to('n2', appendOk(3, 2, 1))],
    state: { role: 'follower', leader: 'n2', term: 3 },
  },
  {
    section: '§5.2 elections',
    name: 'a reply of a newer term turns a candidate into a follower of that term, with no vote',
    given: () => startCandidate({ term: 2, log: logOf(1, 2) }),
    input: { from: 'n2', msg: voteReply(7, false) },
    sends: [],
    state: { role: 'follower', term: 7, votedFor: null },
  },
  {
    section: '§5.2 elections',
    name: 'check-quorum: a follower that heard from its leader within the minimum timeout ignores a candidate, keeping its term',
    given: () => given(follower({ checkQuorum: true }), ['n2', append(2, 2, 2, [], 0, 1)]),
    input: { from: 'n3', msg: vote(3, 2, 2) },
    sends: [to('n3', voteReply(2, false))],
    state: { term: 2, leader: 'n2', votedFor: null },
  },
  {
    section: '§5.2 elections',
    name: 'check-quorum: a leader that heard from no majority for an election timeout steps down',
    given: () => leader({ checkQuorum: true }),
    input: { waitMs: 200 },
    state: { role: 'follower', leader: null, term: 3 },
    traces: ['step-down'],
  },
  {
    section: '§5.2 elections',
    name: 'a leader sends every follower an AppendEntries each heartbeat interval, empty when there is nothing new',
    given: () => leader({}, true),
    input: { waitMs: testConfig.heartbeatMs },
    sends: toFollowers(append(3, 3, 3, [], 3, 2)),
    state: { role: 'leader', commitIndex: 3 },
  },

  // §5.3: log replication
  {
    section: '§5.3 log replication',
    name: 'a follower whose log matches at prevIndex appends the entries and acknowledges up to the last one',
    given: () => follower(),
    input: { from: 'n2', msg: append(2, 2, 2, [put(2, 1)], 0, 4) },
    sends: [to('n2', appendOk(2, 3, 4))],
    state: { leader: 'n2', lastIndex: 3, terms: [1, 2, 2], commitIndex: 0 },
  },
  {
    section: '§5.3 log replication',
    name: 'a follower missing entries before prevIndex refuses and points the leader at its log’s end',
    given: () => startNode({ term: 2, log: logOf(1) }),
    input: { from: 'n2', msg: append(2, 3, 2, [noop(2)], 0, 1) },
    sends: [to('n2', appendRefused(2, 0, 2, 1))],
    state: { lastIndex: 1 },
  },
  {
    section: '§5.3 log replication',
    name: 'a follower with another term at prevIndex refuses, naming that term and its first index (fast back-off)',
    given: () => startNode({ term: 3, log: logOf(1, 2, 2, 2) }),
    input: { from: 'n2', msg: append(3, 4, 3, [], 0, 1) },
    sends: [to('n2', appendRefused(3, 2, 2, 1))],
    state: { terms: [1, 2, 2, 2] },
  },
  {
    section: '§5.3 log replication',
    name: 'a conflicting entry is deleted with everything after it, then the leader’s entries are appended',
    given: () => startNode({ term: 3, log: logOf(1, 2, 2) }),
    input: { from: 'n2', msg: append(3, 1, 1, [noop(3)], 0, 1) },
    sends: [to('n2', appendOk(3, 2, 1))],
    state: { lastIndex: 2, terms: [1, 3] },
  },
  {
    section: '§5.3 log replication',
    name: 'entries the follower already holds are kept: a late duplicate AppendEntries must not truncate the log',
    given: () => startNode({ term: 2, log: logOf(1, 2, 2) }),
    input: { from: 'n2', msg: append(2, 1, 1, [noop(2)], 0, 1) },
    sends: [to('n2', appendOk(2, 2, 1))],
    state: { lastIndex: 3, terms: [1, 2, 2] },
  },
  {
    section: '§5.3 log replication',
    name: 'the skip-consistency-check mutant appends after a prevIndex whose term differs, breaking log matching',
    given: () => startNode({ term: 3, log: logOf(1, 2, 2, 2), config: { mutant: 'skip-consistency-check' } }),
    input: { from: 'n2', msg: append(3, 4, 3, [noop(3)], 0, 1) },
    sends: [to('n2', appendOk(3, 5, 1))],
    state: { terms: [1, 2, 2, 2, 3] },
  },
  {
    section: '§5.3 log replication',
    name: 'an AppendEntries of an older term is refused with the follower’s term, and its sender is not followed',
    given: () => startNode({ term: 5, log: logOf(1) }),
    input: { from: 'n2', msg: append(4, 1, 1, [], 0, 1) },
    sends: [to('n2', appendRefused(5, 0, 0, 1))],
    state: { term: 5, leader: null },
  },
  {
    section: '§5.3 log replication',
    name: 'a follower commits up to the leader’s commit index, but not past what it knows to match the leader',
    given: () => startNode({ term: 2, log: logOf(1, 2, 2) }),
    input: { from: 'n2', msg: append(2, 2, 2, [], 5, 1) },
    sends: [to('n2', appendOk(2, 2, 1))],
    state: { commitIndex: 2, lastApplied: 2, lastIndex: 3 },
  },
  {
    section: '§5.3 log replication',
    name: 'the leader counts a follower’s acknowledgement and commits what a majority holds',
    given: () => leader(),
    input: { from: 'n2', msg: appendOk(3, 3, 1) },
    sends: [],
    state: {
      commitIndex: 3,
      lastApplied: 3,
      progress: { n2: { match: 3, next: 4 }, n3: { match: 0, next: 4 } },
    },
  },
  {
    section: '§5.3 log replication',
    name: 'a follower whose log is short gets the entries from its log’s end',
    given: () => leader(),
    input: { from: 'n2', msg: appendRefused(3, 0, 2, 1) },
    sends: [to('n2', append(3, 1, 1, [noop(2), noop(3)], 0, 1))],
    state: { progress: { n2: { match: 0, next: 4 }, n3: { match: 0, next: 4 } } },
  },
  {
    section: '§5.3 log replication',
    name: 'when the leader holds the follower’s conflicting term, it resends from just after its own last entry of that term',
    given: () => startLeader({ term: 2, log: logOf(1, 2, 2) }),
    input: { from: 'n2', msg: appendRefused(3, 2, 2, 1) },
    sends: [to('n2', append(3, 3, 2, [noop(3)], 0, 1))],
    state: { lastIndex: 4 },
  },
  {
    section: '§5.3 log replication',
    name: 'when the leader lacks the follower’s conflicting term, it resends from the first index of that term',
    given: () => startLeader({ term: 3, log: logOf(1, 1) }),
    input: { from: 'n2', msg: appendRefused(4, 3, 3, 1) },
    sends: [to('n2', append(4, 2, 1, [noop(4)], 0, 1))],
    state: { terms: [1, 1, 4] },
  },

  // §5.4.1: election restriction
  {
    section: '§5.4.1 election restriction',
    name: 'a voter refuses a candidate whose log ends in an older term, however long (adopting its term)',
    given: () => follower(),
    input: { from: 'n2', msg: vote(3, 9, 1) },
    sends: [to('n2', voteReply(3, false))],
    state: { term: 3, votedFor: null },
  },
  {
    section: '§5.4.1 election restriction',
    name: 'a voter refuses a candidate whose log ends in the same term but is shorter',
    given: () => follower(),
    input: { from: 'n2', msg: vote(3, 1, 2) },
    sends: [to('n2', voteReply(3, false))],
    state: { term: 3, votedFor: null },
  },
  {
    section: '§5.4.1 election restriction',
    name: 'a voter grants a candidate whose log ends in a later term, even a shorter log',
    given: () => follower(),
    input: { from: 'n2', msg: vote(4, 1, 3) },
    sends: [to('n2', voteReply(4, true))],
    state: { term: 4, votedFor: 'n2' },
  },
  {
    section: '§5.4.1 election restriction',
    name: 'a pre-vote follows the same rule and never changes the voter’s term',
    given: () => follower({ preVote: true }),
    input: { from: 'n2', msg: preVote(3, 9, 1) },
    sends: [to('n2', { type: 'prevote-reply', term: 2, granted: false })],
    state: { term: 2, votedFor: null },
  },
  {
    section: '§5.4.1 election restriction',
    name: 'a granted pre-vote answers in the candidate’s future term, still without changing the voter’s',
    given: () => follower({ preVote: true }),
    input: { from: 'n2', msg: preVote(3, 2, 2) },
    sends: [to('n2', { type: 'prevote-reply', term: 3, granted: true })],
    state: { term: 2, votedFor: null },
  },

  // §5.4.2: committing entries from previous terms
  {
    section: '§5.4.2 committing entries from previous terms',
    name: 'a leader does not commit an entry of an older term by counting replicas, even on a majority (figure 8)',
    given: () => leader({ noopOnElection: false }),
    input: { from: 'n2', msg: appendOk(3, 2, 1) },
    sends: [],
    state: { commitIndex: 0, progress: { n2: { match: 2, next: 3 }, n3: { match: 0, next: 3 } } },
  },
  {
    section: '§5.4.2 committing entries from previous terms',
    name: 'once an entry of its own term is on a majority, it commits, and every entry before it with it',
    given: () =>
      given(leader({ noopOnElection: false }), ['c1', request(1, { f: 'put', key: 'x', value: 'a' })]),
    input: { from: 'n2', msg: appendOk(3, 3, 1) },
    sends: [to('c1', response(1, { ok: true }, 'n1'))],
    state: { commitIndex: 3, lastApplied: 3 },
  },
  {
    section: '§5.4.2 committing entries from previous terms',
    name: 'the commit-old-term-by-count mutant does commit it: the figure-8 hazard the fuzzer must catch',
    given: () => leader({ noopOnElection: false, mutant: 'commit-old-term-by-count' }),
    input: { from: 'n2', msg: appendOk(3, 2, 1) },
    sends: [],
    state: { commitIndex: 2 },
  },

  // §6: cluster membership changes
  {
    section: '§6 membership changes',
    name: 'add-server: the leader appends the new configuration and uses it at once, before it commits',
    given: () => leader({}, true),
    input: { from: 'c1', msg: request(1, { f: 'add-server', id: 'n4' }) },
    sends: toFollowers(
      append(3, 3, 3, [{ term: 3, kind: 'config', voters: ['n1', 'n2', 'n3', 'n4'] }], 3, 1),
    ),
    state: {
      voters: ['n1', 'n2', 'n3', 'n4'],
      lastIndex: 4,
      commitIndex: 3,
      progress: { n2: { match: 3, next: 5 }, n3: { match: 0, next: 5 }, n4: { match: 0, next: 5 } },
    },
  },
  {
    section: '§6 membership changes',
    name: 'one change at a time: a second change while the first is uncommitted is refused',
    given: () => given(leader({}, true), ['c1', request(1, { f: 'add-server', id: 'n4' })]),
    input: { from: 'c1', msg: request(2, { f: 'remove-server', id: 'n3' }) },
    sends: [to('c1', response(2, { ok: false, error: 'config change in progress' }, 'n1'))],
    state: { voters: ['n1', 'n2', 'n3', 'n4'], lastIndex: 4 },
  },
  {
    section: '§6 membership changes',
    name: 'a follower adopts a configuration the moment it appends it, committed or not',
    given: () => follower(),
    input: { from: 'n2', msg: append(2, 2, 2, [{ term: 2, kind: 'config', voters: ['n1', 'n2'] }], 2, 1) },
    sends: [to('n2', appendOk(2, 3, 1))],
    state: { voters: ['n1', 'n2'], commitIndex: 2 },
  },
  {
    section: '§6 membership changes',
    name: 'a follower falls back to the previous configuration when the entry that changed it is truncated',
    given: () => startNode({ term: 3, log: [noop(1), { term: 2, kind: 'config', voters: ['n1', 'n2'] }] }),
    input: { from: 'n2', msg: append(3, 1, 1, [noop(3)], 0, 1) },
    sends: [to('n2', appendOk(3, 2, 1))],
    state: { voters: VOTERS, terms: [1, 3] },
  },

  // §7: log compaction
  {
    section: '§7 log compaction',
    name: 'a follower installs a snapshot beyond its commit index: log replaced, state restored, everything in it committed',
    given: () => startNode({ term: 1, log: logOf(1, 1) }),
    input: {
      from: 'n2',
      msg: {
        type: 'snapshot',
        term: 2,
        lastIndex: 5,
        lastTerm: 2,
        voters: VOTERS,
        data: { kv: [['x', '1']], sessions: [] },
        round: 3,
      },
    },
    sends: [to('n2', { type: 'snapshot-reply', term: 2, lastIndex: 5, round: 3 })],
    state: {
      snapshotIndex: 5,
      lastIndex: 5,
      commitIndex: 5,
      lastApplied: 5,
      keys: 1,
      terms: [],
      leader: 'n2',
    },
    traces: ['install-snapshot'],
  },
  {
    section: '§7 log compaction',
    name: 'entries after the snapshot are kept when the follower’s log agrees with it at the snapshot’s last index',
    given: () => startNode({ term: 1, log: logOf(1, 1, 1) }),
    input: {
      from: 'n2',
      msg: {
        type: 'snapshot',
        term: 1,
        lastIndex: 2,
        lastTerm: 1,
        voters: VOTERS,
        data: emptyData,
        round: 1,
      },
    },
    sends: [to('n2', { type: 'snapshot-reply', term: 1, lastIndex: 2, round: 1 })],
    state: { snapshotIndex: 2, lastIndex: 3, commitIndex: 2, terms: [1] },
  },
  {
    section: '§7 log compaction',
    name: 'a snapshot no newer than the follower’s commit index is acknowledged but not installed',
    given: () => given(startNode({ term: 2, log: logOf(1, 1, 2) }), ['n2', append(2, 3, 2, [], 3, 1)]),
    input: {
      from: 'n2',
      msg: {
        type: 'snapshot',
        term: 2,
        lastIndex: 2,
        lastTerm: 1,
        voters: VOTERS,
        data: emptyData,
        round: 2,
      },
    },
    sends: [to('n2', { type: 'snapshot-reply', term: 2, lastIndex: 2, round: 2 })],
    state: { snapshotIndex: 0, commitIndex: 3, lastIndex: 3 },
  },
  {
    section: '§7 log compaction',
    name: 'the install-stale-snapshot mutant installs it anyway, moving its commit index back',
    given: () =>
      given(startNode({ term: 2, log: logOf(1, 1, 2), config: { mutant: 'install-stale-snapshot' } }), [
        'n2',
        append(2, 3, 2, [], 3, 1),
      ]),
    input: {
      from: 'n2',
      msg: {
        type: 'snapshot',
        term: 2,
        lastIndex: 2,
        lastTerm: 1,
        voters: VOTERS,
        data: emptyData,
        round: 2,
      },
    },
    sends: [to('n2', { type: 'snapshot-reply', term: 2, lastIndex: 2, round: 2 })],
    state: { snapshotIndex: 2, commitIndex: 2, lastApplied: 2, lastIndex: 3 },
  },
  {
    section: '§7 log compaction',
    name: 'a server snapshots once `snapshotEvery` applied entries are in its log',
    given: () => leader({ snapshotEvery: 3 }),
    input: { from: 'n2', msg: appendOk(3, 3, 1) },
    sends: [],
    state: { snapshotIndex: 3, lastIndex: 3, commitIndex: 3, terms: [] },
    traces: ['snapshot'],
  },
  {
    section: '§7 log compaction',
    name: 'a leader sends its snapshot to a follower that needs entries it has compacted away',
    given: () => given(leader({ snapshotEvery: 3 }), ['n2', appendOk(3, 3, 1)]),
    input: { from: 'n3', msg: appendRefused(3, 0, 1, 1) },
    sends: [
      to('n3', {
        type: 'snapshot',
        term: 3,
        lastIndex: 3,
        lastTerm: 3,
        voters: VOTERS,
        data: emptyData,
        round: 1,
      }),
    ],
    state: { progress: { n2: { match: 3, next: 4 }, n3: { match: 0, next: 4 } } },
  },

  // §8: client interaction
  {
    section: '§8 client interaction',
    name: 'a follower answers a client "not-leader", naming the leader it follows',
    given: () => given(follower(), ['n2', append(2, 2, 2, [], 0, 1)]),
    input: { from: 'c1', msg: request(1, { f: 'put', key: 'x', value: 'a' }) },
    sends: [to('c1', response(1, { ok: false, error: 'not-leader' }, 'n2'))],
    state: { lastIndex: 2 },
  },
  {
    section: '§8 client interaction',
    name: 'the leader appends a write and replicates it; the client hears nothing until it commits',
    given: () => leader({}, true),
    input: { from: 'c1', msg: request(1, { f: 'put', key: 'x', value: 'a' }) },
    sends: toFollowers(append(3, 3, 3, [put(3, 1, 'x', 'a')], 3, 1)),
    state: { lastIndex: 4, commitIndex: 3 },
  },
  {
    section: '§8 client interaction',
    name: 'the client is answered once a majority holds its entry and the leader applied it',
    given: () => given(leader({}, true), ['c1', request(1, { f: 'put', key: 'x', value: 'a' })]),
    input: { from: 'n2', msg: appendOk(3, 4, 1) },
    sends: [to('c1', response(1, { ok: true }, 'n1'))],
    state: { commitIndex: 4, lastApplied: 4, keys: 1 },
  },
  {
    section: '§8 client interaction',
    name: 'a retry of a command already applied is answered from the client’s session, not appended again',
    given: () =>
      given(
        leader({}, true),
        ['c1', request(1, { f: 'put', key: 'x', value: 'a' })],
        ['n2', appendOk(3, 4, 1)],
      ),
    input: { from: 'c1', msg: request(1, { f: 'put', key: 'x', value: 'a' }) },
    sends: [to('c1', response(1, { ok: true }, 'n1'))],
    state: { lastIndex: 4 },
  },
  {
    section: '§8 client interaction',
    name: 'ReadIndex: a read at the leader waits for a heartbeat round, which starts at once',
    given: () => leader({}, true),
    input: { from: 'c1', msg: request(1, { f: 'get', key: 'x' }) },
    sends: toFollowers(append(3, 3, 3, [], 3, 2)),
    state: { lastIndex: 3 },
  },
  {
    section: '§8 client interaction',
    name: 'ReadIndex: the read is answered once a majority acknowledged its round',
    given: () => given(leader({}, true), ['c1', request(1, { f: 'get', key: 'x' })]),
    input: { from: 'n2', msg: appendOk(3, 3, 2) },
    sends: [to('c1', response(1, { ok: true, value: null }, 'n1'))],
    state: { lastIndex: 3 },
  },
  {
    section: '§8 client interaction',
    name: 'a new leader serves no read before an entry of its own term commits (it cannot know its commit index)',
    given: () => leader(),
    input: { from: 'c1', msg: request(1, { f: 'get', key: 'x' }) },
    sends: [],
    state: { commitIndex: 0 },
  },
  {
    section: '§8 client interaction',
    name: '… and starts the read’s round as soon as its no-op commits',
    given: () => given(leader(), ['c1', request(1, { f: 'get', key: 'x' })]),
    input: { from: 'n2', msg: appendOk(3, 3, 1) },
    sends: toFollowers(append(3, 3, 3, [], 3, 2)),
    state: { commitIndex: 3 },
  },
  {
    section: '§8 client interaction',
    name: 'a read marked stale is answered from the local state machine, even by a follower',
    given: () => follower(),
    input: { from: 'c1', msg: request(1, { f: 'get', key: 'x', stale: true }) },
    sends: [to('c1', response(1, { ok: true, value: null }))],
    state: { role: 'follower' },
  },
  {
    section: '§8 client interaction',
    name: `bounded queues: with ${MAX_PENDING_READS} reads pending, the next read is refused at once`,
    given: () => {
      const h = leader({}, true);
      for (let seq = 1; seq <= MAX_PENDING_READS; seq++)
        h.node.onMessage('c1', request(seq, { f: 'get', key: 'x' }));
      h.wait(0); // their round goes out
      return h;
    },
    input: { from: 'c2', msg: request(1, { f: 'get', key: 'x' }, 'c2') },
    sends: [
      to(
        'c2',
        response(1, { ok: false, error: `busy: ${MAX_PENDING_READS} reads already pending` }, 'n1', 'c2'),
      ),
    ],
    state: { lastIndex: 3 },
  },
  {
    section: '§8 client interaction',
    name: `bounded queues: with ${MAX_WAITING_CLIENTS} clients waiting for a commit, the next write is refused, not appended`,
    given: () => {
      const h = leader({}, true);
      for (let seq = 1; seq <= MAX_WAITING_CLIENTS; seq++)
        h.node.onMessage('c1', request(seq, { f: 'put', key: 'x', value: `${seq}` }));
      h.wait(0); // the first batch goes out
      return h;
    },
    input: { from: 'c2', msg: request(1, { f: 'put', key: 'y', value: 'b' }, 'c2') },
    sends: [
      to(
        'c2',
        response(
          1,
          { ok: false, error: `busy: ${MAX_WAITING_CLIENTS} clients already wait for a commit` },
          'n1',
          'c2',
        ),
      ),
    ],
    state: { lastIndex: 3 + MAX_WAITING_CLIENTS },
  },
];

describe('RaftNode, one message at a time', () => {
  it.each(cases.map((c) => [`${c.section}: ${c.name}`, c] as const))('%s', (_title, c) => {
    const h = c.given();
    const tracesBefore = h.env.traces.length;
    const sent = 'waitMs' in c.input ? h.wait(c.input.waitMs) : h.deliver(c.input.from, c.input.msg);
    if (c.sends) expect(sent).toEqual(c.sends);
    expect(h.state()).toMatchObject(c.state);
    const traced = h.env.traces.slice(tracesBefore).map((t) => t.name);
    for (const name of c.traces ?? []) expect(traced).toContain(name);
  });

  it('covers every section the brief names', () => {
    const sections = new Set(cases.map((c) => c.section));
    expect(sections.size).toBe(7);
  });
});

describe('assertions where the state moves', () => {
  function bareState(): ServerState {
    const env = new FakeEnv('n1');
    const storage = new RaftStorage(env.disk);
    return new ServerState(env, testConfig, undefined, storage, 1, storage.recover());
  }

  it("a node's term never decreases", () => {
    const s = bareState();
    s.setTermAndVote(3, null);
    expect(() => s.setTermAndVote(2, 'n2')).toThrow(InvariantViolation);
    expect(() => s.setTermAndVote(2, 'n2')).toThrow(/'a node's term never decreases' violated: n1: 3 → 2/);
    expect(s.term).toBe(3);
  });

  it('commit index ≤ last log index, and last applied ≤ commit index', () => {
    const s = bareState();
    const commit = new Commit(s, {} as Parts);
    s.log.append(noop(1));
    s.commitIndex = 1;
    s.lastApplied = 1;
    expect(() => commit.checkBounds()).not.toThrow();
    s.commitIndex = 2;
    expect(() => commit.checkBounds()).toThrow(
      /'commit index ≤ last log index' violated: n1: commit 2, log ends at 1/,
    );
    s.commitIndex = 0;
    expect(() => commit.checkBounds()).toThrow(
      /'last applied ≤ commit index' violated: n1: applied 1, commit 0/,
    );
  });
});

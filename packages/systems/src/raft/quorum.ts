/**
 * Quorum arithmetic as pure functions of a voter list (etcd keeps the same in raft/quorum/majority.go).
 * Winning an election, committing an entry, confirming a read round and check-quorum all ask here, so
 * "a majority" is written once and can be tested without a cluster.
 */
import type { NodeId } from '@dslab/sim';

/** How many of `voterCount` voters make a majority: ⌊n/2⌋ + 1 (any two majorities share a voter). */
export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/** Whether the voters among `ids` are a majority of `voters`; ids outside the configuration do not count. */
export function hasQuorum(voters: readonly NodeId[], ids: ReadonlySet<NodeId>): boolean {
  let count = 0;
  for (const voter of voters) if (ids.has(voter)) count++;
  return count >= majority(voters.length);
}

export type VoteResult = 'won' | 'lost' | 'pending';

export interface VoteTally {
  readonly granted: number;
  readonly rejected: number;
  readonly result: VoteResult;
}

/**
 * An election's outcome so far from the answers received (true: granted). Won with a majority of grants;
 * lost once so many refused that a majority can no longer be reached; pending otherwise.
 */
export function tallyVotes(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteTally {
  let granted = 0;
  let rejected = 0;
  for (const voter of voters) {
    const vote = votes.get(voter);
    if (vote === true) granted++;
    else if (vote === false) rejected++;
  }
  const needed = majority(voters.length);
  const result = granted >= needed ? 'won' : voters.length - rejected < needed ? 'lost' : 'pending';
  return { granted, rejected, result };
}

/** Reused by `quorumValue`: it runs on every acknowledgement a leader receives. */
let scratch = new Float64Array(16);

/**
 * The largest value a majority of voters has reached: the values in decreasing order, the majority-th one
 * (etcd's CommittedIndex). 0 for an empty configuration. Sorts a reused buffer in place (insertion sort: a
 * configuration is a handful of voters), so the hot path allocates nothing.
 */
export function quorumValue(
  voters: readonly NodeId[],
  valueOf: (voter: NodeId, position: number) => number,
): number {
  const n = voters.length;
  if (n === 0) return 0;
  if (scratch.length < n) scratch = new Float64Array(n * 2);
  const values = scratch;
  for (let i = 0; i < n; i++) {
    const v = valueOf(voters[i] as NodeId, i);
    let j = i;
    while (j > 0 && (values[j - 1] as number) < v) {
      values[j] = values[j - 1] as number;
      j--;
    }
    values[j] = v;
  }
  return values[majority(n) - 1] as number;
}

/** Raft §5.3: the highest log index a majority of voters holds, from each voter's match index. */
export function committedIndex(
  voters: readonly NodeId[],
  matchOf: (voter: NodeId, position: number) => number,
): number {
  return quorumValue(voters, matchOf);
}

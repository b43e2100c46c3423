/**
 * Raft's safety properties (paper figure 3), checked while a cluster runs: the observer hooks record
 * every election, commit and apply the moment it happens, and the first violation stops the World.
 */
import type { NodeId, World } from '@dslab/sim';
import type { RaftNode } from './node';
import type { LogView, RaftObserver } from './observer';
import type { Entry } from './types';

type TermAt = (index: number) => number | undefined;

function entryKey(entry: Entry): string {
  switch (entry.kind) {
    case 'noop':
      return `${entry.term}:noop`;
    case 'config':
      return `${entry.term}:config:${entry.voters.join(',')}`;
    case 'command':
      return `${entry.term}:${entry.command.client}#${entry.command.seq}`;
  }
}

/** The safety properties RaftSafety judges, each a World invariant of its own. */
export const RAFT_SAFETY_PROPERTIES = [
  'election safety',
  'leader completeness',
  'commit index never decreases',
  'log matching of committed entries',
  'state machine safety',
  'snapshot safety',
] as const;

export type RaftSafetyProperty = (typeof RAFT_SAFETY_PROPERTIES)[number];

export class RaftSafety implements RaftObserver {
  /** term → the node that won it. */
  readonly leaders = new Map<number, NodeId>();
  /** index → term of the entry committed there (by anyone, ever). */
  private readonly committedTerms: number[] = [];
  /** index → the lowest term in which some node knew it committed (leaders of later terms must hold it). */
  private readonly committedIn: number[] = [];
  /** index → the entry some node applied there first. */
  private readonly appliedEntries: string[] = [];
  /** Commit index per node life: it must never move back. */
  private readonly commitByLife = new Map<string, number>();
  /** The first violation, with the property's name. */
  violation: { readonly property: RaftSafetyProperty; readonly detail: string } | undefined;
  elections = 0;

  private fail(property: RaftSafetyProperty, detail: string): void {
    if (!this.violation) this.violation = { property, detail };
  }

  becameLeader(node: NodeId, _incarnation: number, term: number, log: LogView): void {
    this.elections++;
    const previous = this.leaders.get(term);
    if (previous !== undefined && previous !== node) {
      this.fail('election safety', `two leaders in term ${term}: ${previous} and ${node}`);
    }
    this.leaders.set(term, node);
    // Leader completeness: the new leader's log holds every entry committed so far.
    for (let i = log.snapshotIndex + 1; i < this.committedTerms.length; i++) {
      const committed = this.committedTerms[i];
      if (committed === undefined || (this.committedIn[i] as number) >= term) continue;
      const mine = log.term(i);
      if (mine !== committed) {
        this.fail(
          'leader completeness',
          mine === undefined
            ? `${node} leads term ${term} without committed entry ${i} (term ${committed}); its log ends at ${log.lastIndex}`
            : `${node} leads term ${term} with term ${mine} at index ${i}, where term ${committed} was committed`,
        );
        return;
      }
    }
  }

  committed(node: NodeId, incarnation: number, term: number, from: number, to: number, termAt: TermAt): void {
    const life = `${node}/${incarnation}`;
    const before = this.commitByLife.get(life) ?? 0;
    if (to < before)
      this.fail('commit index never decreases', `${node} moved its commit index from ${before} to ${to}`);
    this.commitByLife.set(life, to);
    for (let i = from + 1; i <= to; i++) {
      const entryTerm = termAt(i);
      if (entryTerm === undefined) continue; // inside a snapshot just installed
      const known = this.committedTerms[i];
      if (known === undefined) {
        this.committedTerms[i] = entryTerm;
        this.committedIn[i] = term;
      } else if (known !== entryTerm) {
        this.fail(
          'log matching of committed entries',
          `${node} committed term ${entryTerm} at index ${i}, where term ${known} was committed before`,
        );
      } else if (term < (this.committedIn[i] as number)) this.committedIn[i] = term;
    }
  }

  applied(node: NodeId, index: number, entry: Entry): void {
    const key = entryKey(entry);
    const known = this.appliedEntries[index];
    if (known === undefined) this.appliedEntries[index] = key;
    else if (known !== key) {
      this.fail(
        'state machine safety',
        `${node} applied ${key} at index ${index}, another node applied ${known}`,
      );
    }
  }

  installedSnapshot(node: NodeId, index: number, term: number): void {
    const known = this.committedTerms[index];
    if (known !== undefined && known !== term) {
      this.fail(
        'snapshot safety',
        `${node} installed a snapshot ending at ${index} in term ${term}; term ${known} was committed there`,
      );
    }
  }

  /** Highest index known committed. */
  get commitIndex(): number {
    return Math.max(0, this.committedTerms.length - 1);
  }

  report(): string | undefined {
    return this.violation ? `${this.violation.property}: ${this.violation.detail}` : undefined;
  }
}

/**
 * Log matching across every pair of live nodes: where two logs hold an entry of the same term at the
 * same index, they agree on every entry before it. Costs O(nodes² · log), so callers run it periodically.
 */
export function checkLogMatching(world: World, servers: readonly NodeId[]): string | undefined {
  const logs = servers.filter((id) => world.isUp(id)).map((id) => world.node<RaftNode>(id));
  for (let a = 0; a < logs.length; a++) {
    for (let b = a + 1; b < logs.length; b++) {
      const x = logs[a] as RaftNode;
      const y = logs[b] as RaftNode;
      const low = Math.max(x.log.snapshotIndex, y.log.snapshotIndex) + 1;
      const high = Math.min(x.log.lastIndex, y.log.lastIndex);
      // The highest index where the terms agree; everything from `low` up to it must agree too.
      let top = high;
      while (top >= low && x.log.term(top) !== y.log.term(top)) top--;
      for (let i = low; i <= top; i++) {
        const a = x.log.entry(i);
        const b = y.log.entry(i);
        if (a === b) continue; // the same object the leader sent (the common case in the simulator)
        const ex = entryKey(a);
        const ey = entryKey(b);
        if (ex !== ey) {
          return `${x.id} and ${y.id} agree at index ${top} but differ at ${i}: ${ex} vs ${ey}`;
        }
      }
    }
  }
  return undefined;
}

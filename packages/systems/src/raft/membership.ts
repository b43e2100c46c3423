/**
 * Who votes (Ongaro's dissertation §4.1, single-server changes): the configuration is a log entry that
 * takes effect as soon as a server appends it, committed or not, so a truncation or a snapshot can move it
 * back. One change at a time, and only after the leader committed an entry of its own term.
 */
import type { NodeId } from '@dslab/sim';
import type { Waiter } from './requests';
import type { Parts, ServerState } from './state';
import type { ClientOp } from './types';

export class Membership {
  /** The voting members now (the latest config entry in the log, else the snapshot's, else the bootstrap). */
  voters: readonly NodeId[];
  /** Index of the config entry `voters` came from (0: the snapshot or the bootstrap config). */
  configIndex = 0;

  constructor(
    private readonly s: ServerState,
    private readonly parts: Parts,
  ) {
    this.voters = s.config.voters;
  }

  isVoter(id: NodeId): boolean {
    return this.voters.includes(id);
  }

  /** A config entry was appended at `index`: it rules from now on (dissertation §4.1). */
  apply(voters: readonly NodeId[], index: number): void {
    this.voters = voters;
    this.configIndex = index;
    if (this.s.role !== 'leader') return;
    this.parts.replication.progress.follow(voters, this.s.id, this.s.log.lastIndex);
  }

  /** After a truncation or a snapshot: the latest config entry left in the log, else the snapshot's. */
  recompute(): void {
    const log = this.s.log;
    for (let i = log.lastIndex; i > log.snapshotIndex; i--) {
      const entry = log.entry(i);
      if (entry.kind === 'config') {
        this.voters = entry.voters;
        this.configIndex = i;
        return;
      }
    }
    this.voters = this.baseVoters();
    this.configIndex = 0;
  }

  /** The configuration in force at `index` (a node that was removed asks whether it still counts). */
  at(index: number): readonly NodeId[] {
    const log = this.s.log;
    for (let i = index; i > log.snapshotIndex; i--) {
      const entry = log.entry(i);
      if (entry.kind === 'config') return entry.voters;
    }
    return this.baseVoters();
  }

  private baseVoters(): readonly NodeId[] {
    return this.parts.snapshots.record?.voters ?? this.s.config.voters;
  }

  /** A leader's answer to add-server / remove-server: a config entry, answered when it applies. */
  propose(op: Extract<ClientOp, { f: 'add-server' | 'remove-server' }>, waiter: Waiter): void {
    const s = this.s;
    const requests = this.parts.requests;
    // One change at a time, and only once this term has committed something (the dissertation's fix
    // for the single-server change bug found in 2015).
    if (this.configIndex > s.commitIndex || s.log.term(s.commitIndex) !== s.term) {
      requests.reply(waiter, { ok: false, error: 'config change in progress' });
      return;
    }
    const voters =
      op.f === 'add-server'
        ? this.voters.includes(op.id)
          ? this.voters
          : [...this.voters, op.id]
        : this.voters.filter((id) => id !== op.id);
    if (voters.length === 0) {
      requests.reply(waiter, { ok: false, error: 'cannot remove the last voter' });
      return;
    }
    if (!requests.admit(waiter)) return;
    requests.waitFor(s.log.lastIndex + 1, waiter);
    this.parts.replication.appendLocal({ term: s.term, kind: 'config', voters });
  }
}

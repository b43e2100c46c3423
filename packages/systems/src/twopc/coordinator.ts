/**
 * The coordinator (the transaction manager): it runs the application's transactions across the
 * participants with two-phase commit and presumed abort (Mohan, Lindsay and Obermarck; Bernstein,
 * Hadzilacos and Goodman ch. 7), or three-phase commit (Skeen).
 *
 * Presumed abort: the only record the coordinator forces is COMMIT, before the first COMMIT message leaves;
 * an ABORT is sent without logging and without waiting for acknowledgements, and a question about a
 * transaction its log does not know is answered ABORT. So the log is the decision: a restart reads it and
 * resends COMMIT for every committed transaction not yet acknowledged by all. With the decision group
 * (`decisions: 'raft'`) the outcome is fixed in the Raft KV instead, and the coordinator is just the first
 * to propose it.
 */
import { invariant, type Env, type NodeId, type SimNode, type TimerId } from '@dslab/sim';
import type { KvResponse } from '../kv-protocol';
import { mutantActive } from '../kit';
import { DecisionGroupClient } from './decision-group';
import { RecordLog } from './log';
import type { Outcome, ParticipantTxState, RowOp, TwoPcMessage } from './messages';
import type { TxObserver } from './observer';
import type { CoordinatorConfig } from './types';

type CoordinatorRecord =
  | { readonly t: 'epoch'; readonly n: number }
  | { readonly t: 'commit'; readonly tx: string; readonly participants: readonly NodeId[] }
  | { readonly t: 'end'; readonly tx: string };

/** One transaction of the application: the rows it changes at each participant. */
export type TxPlan = readonly { readonly participant: NodeId; readonly ops: readonly RowOp[] }[];

/** Where the coordinator's transactions come from: the next one, and the pause between starts. */
export interface Workload {
  /** The next transaction, drawn with the coordinator's random stream; undefined: none for now. */
  next(random: () => number): TxPlan | undefined;
  /** Mean pause between transactions. */
  readonly intervalMs: number;
}

type Phase = 'voting' | 'precommit' | 'deciding' | 'committing';

interface ActiveTx {
  readonly id: string;
  readonly plan: TxPlan;
  readonly participants: readonly NodeId[];
  phase: Phase;
  readonly yes: Set<NodeId>;
  readonly acks: Set<NodeId>;
  timer: TimerId | undefined;
}

export interface CoordinatorSnapshot {
  readonly epoch: number;
  readonly active: readonly {
    readonly tx: string;
    readonly phase: Phase;
    readonly participants: readonly NodeId[];
    readonly yes: readonly NodeId[];
    readonly acks: readonly NodeId[];
  }[];
  readonly committed: number;
  readonly aborted: number;
  readonly logRecords: number;
  /** Committed transactions recovered from the log at the last start. */
  readonly recovered: number;
}

export class Coordinator implements SimNode<TwoPcMessage> {
  private readonly log: RecordLog<CoordinatorRecord>;
  private readonly active = new Map<string, ActiveTx>();
  /** Transactions whose COMMIT record is in the log (the presumed-abort answer depends on it). */
  private readonly committedLog = new Set<string>();
  private readonly group: DecisionGroupClient | undefined;
  private readonly epoch: number;
  private counter = 0;
  private committed = 0;
  private aborted = 0;
  private recovered = 0;

  constructor(
    private readonly env: Env<TwoPcMessage>,
    private readonly config: CoordinatorConfig,
    private readonly observer: TxObserver,
    private readonly workload: Workload | undefined,
  ) {
    this.group = config.decisions === 'raft' ? new DecisionGroupClient(env, config.decisionGroup) : undefined;
    const { log, records } = RecordLog.open<CoordinatorRecord>(env.disk, 'coordinator.log');
    this.log = log;
    let epoch = 0;
    const ended = new Set<string>();
    const commits: { tx: string; participants: readonly NodeId[] }[] = [];
    for (const record of records) {
      if (record.t === 'epoch') epoch = Math.max(epoch, record.n);
      else if (record.t === 'commit') commits.push(record);
      else ended.add(record.tx);
    }
    // A new epoch per life keeps transaction ids unique across restarts.
    this.epoch = epoch + 1;
    this.log.append({ t: 'epoch', n: this.epoch });
    this.log.force();
    if (!mutantActive(config.mutant, 'forget-decision-log')) {
      for (const { tx, participants } of commits) {
        this.committedLog.add(tx);
        if (ended.has(tx)) continue;
        this.recovered++;
        // Committed before the crash, not known to be acknowledged by all: drive it to the end.
        const entry: ActiveTx = {
          id: tx,
          plan: participants.map((participant) => ({ participant, ops: [] })),
          participants,
          phase: 'committing',
          yes: new Set(participants),
          acks: new Set(),
          timer: undefined,
        };
        this.active.set(tx, entry);
        this.env.trace('recovered-commit', { tx });
        this.sendCommit(entry);
      }
    }
    if (workload) this.scheduleNext();
  }

  private scheduleNext(): void {
    const workload = this.workload as Workload;
    this.env.setTimer(workload.intervalMs * (0.5 + this.env.random()), () => {
      if (this.active.size < this.config.maxActive) {
        const plan = workload.next(() => this.env.random());
        if (plan) this.begin(plan);
      }
      this.scheduleNext();
    });
  }

  /** Starts a transaction: PREPARE to every participant, then wait for the votes. Returns its id. */
  begin(plan: TxPlan): string {
    if (plan.length === 0) throw new Error('begin: a transaction needs at least one participant');
    const id = `t${this.epoch}.${++this.counter}`;
    const participants = plan.map((p) => p.participant);
    const tx: ActiveTx = {
      id,
      plan,
      participants,
      phase: 'voting',
      yes: new Set(),
      acks: new Set(),
      timer: undefined,
    };
    this.active.set(id, tx);
    this.observer.began(id, participants);
    // Presumed abort: nothing is logged before the decision; a crash now means ABORT.
    for (const { participant, ops } of plan)
      this.env.send(participant, { type: 'prepare', tx: id, ops, participants });
    tx.timer = this.env.setTimer(this.config.timings.voteTimeoutMs, () => {
      tx.timer = undefined;
      if (tx.phase === 'voting') this.decide(tx, 'abort', 'vote timeout');
    });
    this.env.trace('begin', { tx: id, participants: participants.length });
    return id;
  }

  onMessage(from: NodeId, msg: TwoPcMessage): void {
    switch (msg.type) {
      case 'vote':
        this.onVote(from, msg.tx, msg.yes);
        return;
      case 'precommit-ack':
        this.onPrecommitAck(from, msg.tx);
        return;
      case 'state-reply':
        this.onStateReply(msg.tx, msg.state);
        return;
      case 'ack':
        this.onAck(from, msg.tx);
        return;
      case 'inquire':
        this.onInquire(from, msg.tx);
        return;
      case 'response':
        this.group?.onResponse(from, msg as KvResponse);
        return;
      default:
        return;
    }
  }

  private onVote(from: NodeId, id: string, yes: boolean): void {
    const tx = this.active.get(id);
    if (!tx || tx.phase !== 'voting' || !tx.participants.includes(from)) return;
    if (!yes) {
      this.decide(tx, 'abort', `${from} voted no`);
      return;
    }
    tx.yes.add(from);
    if (tx.yes.size < tx.participants.length) return;
    if (this.config.protocol === '3pc') this.startPrecommit(tx);
    else this.decide(tx, 'commit', 'all voted yes');
  }

  private startPrecommit(tx: ActiveTx): void {
    if (tx.timer !== undefined) this.env.clearTimer(tx.timer);
    tx.phase = 'precommit';
    for (const p of tx.participants) if (!tx.acks.has(p)) this.env.send(p, { type: 'precommit', tx: tx.id });
    tx.timer = this.env.setTimer(this.config.timings.voteTimeoutMs, () => {
      tx.timer = undefined;
      if (tx.phase !== 'precommit') return;
      // Skeen: whoever did not acknowledge is taken for crashed, and learns COMMIT when it recovers.
      if (this.config.termination === 'assume-crashed') this.decide(tx, 'commit', 'precommit timeout');
      else this.startPrecommit(tx);
    });
  }

  private onPrecommitAck(from: NodeId, id: string): void {
    const tx = this.active.get(id);
    if (!tx || tx.phase !== 'precommit') return;
    tx.acks.add(from);
    if (tx.acks.size < tx.participants.length) return;
    tx.acks.clear();
    this.decide(tx, 'commit', 'all precommitted');
  }

  /** A participant refused a PRECOMMIT: its termination protocol already aborted the transaction. */
  private onStateReply(id: string, state: ParticipantTxState): void {
    const tx = this.active.get(id);
    if (tx && tx.phase === 'precommit' && (state === 'aborted' || state === 'unknown'))
      this.decide(tx, 'abort', 'a participant had aborted');
  }

  private decide(tx: ActiveTx, outcome: Outcome, why: string): void {
    if (tx.timer !== undefined) this.env.clearTimer(tx.timer);
    tx.timer = undefined;
    if (outcome === 'commit')
      invariant(tx.yes.size === tx.participants.length, 'commit needs every yes', () => tx.id);
    if (this.group) {
      tx.phase = 'deciding';
      const sent = this.group.propose(tx.id, outcome, (held) => {
        this.observer.issued(tx.id, held);
        this.settle(tx, held, `group holds ${held}`);
      });
      if (!sent) this.settle(tx, 'abort', 'decision group client full'); // nothing proposed: abort is safe
      return;
    }
    if (outcome === 'commit') {
      // The forced COMMIT record is the decision: from here a crash cannot turn it into ABORT.
      this.log.append({ t: 'commit', tx: tx.id, participants: tx.participants });
      this.log.force();
      this.committedLog.add(tx.id);
    }
    this.observer.issued(tx.id, outcome);
    this.settle(tx, outcome, why);
  }

  private settle(tx: ActiveTx, outcome: Outcome, why: string): void {
    this.observer.answered(tx.id, outcome);
    this.env.trace('decide', { tx: tx.id, outcome, why });
    if (outcome === 'abort') {
      this.aborted++;
      this.active.delete(tx.id);
      // Presumed abort: sent once, no acknowledgements awaited; a participant that misses it asks.
      for (const p of tx.participants) this.env.send(p, { type: 'decision', tx: tx.id, outcome });
      return;
    }
    this.committed++;
    tx.phase = 'committing';
    tx.acks.clear();
    this.sendCommit(tx);
  }

  /** COMMIT to everyone who has not acknowledged it, again every `resendMs`, until all have. */
  private sendCommit(tx: ActiveTx): void {
    for (const p of tx.participants)
      if (!tx.acks.has(p)) this.env.send(p, { type: 'decision', tx: tx.id, outcome: 'commit' });
    tx.timer = this.env.setTimer(this.config.timings.resendMs, () => {
      tx.timer = undefined;
      if (this.active.get(tx.id) === tx) this.sendCommit(tx);
    });
  }

  private onAck(from: NodeId, id: string): void {
    const tx = this.active.get(id);
    if (!tx || tx.phase !== 'committing') return;
    tx.acks.add(from);
    if (tx.acks.size < tx.participants.length) return;
    if (tx.timer !== undefined) this.env.clearTimer(tx.timer);
    this.active.delete(id);
    // Everyone has the outcome: the log may forget it (the END record need not be forced).
    if (!this.group) this.log.append({ t: 'end', tx: id });
    this.env.trace('end', { tx: id });
  }

  private onInquire(from: NodeId, id: string): void {
    const tx = this.active.get(id);
    if (tx && tx.phase !== 'committing') return; // still collecting votes: no answer yet
    if (tx || this.committedLog.has(id)) {
      this.env.send(from, { type: 'decision', tx: id, outcome: 'commit' });
      return;
    }
    if (this.group) return; // the group holds the outcome; participants ask it
    // Presumed abort: no COMMIT record means no COMMIT was ever sent.
    this.observer.issued(id, 'abort');
    this.env.send(from, { type: 'decision', tx: id, outcome: 'abort' });
  }

  snapshot(): CoordinatorSnapshot {
    return {
      epoch: this.epoch,
      active: [...this.active.values()].map((tx) => ({
        tx: tx.id,
        phase: tx.phase,
        participants: tx.participants,
        yes: [...tx.yes],
        acks: [...tx.acks],
      })),
      committed: this.committed,
      aborted: this.aborted,
      logRecords: this.log.size,
      recovered: this.recovered,
    };
  }

  get activeCount(): number {
    return this.active.size;
  }
}

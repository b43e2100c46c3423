/**
 * A participant (a resource manager): rows of numbers with row locks and a durable log.
 *
 * PREPARE locks the transaction's rows (a row locked by another transaction means NO at once, as
 * `NOWAIT` would), checks them, forces a `prepared` record and only then votes YES. From that moment the
 * participant has given up its right to decide: it holds the locks until it learns the outcome, from the
 * coordinator, from the decision group, or (3PC) from its peers. A restart replays the log: rows of
 * committed transactions come back, and every prepared-but-undecided transaction takes its locks again
 * and goes back to asking — it is driven to the outcome, never rolled back on its own.
 */
import { invariant, type Env, type NodeId, type SimNode, type TimerId } from '@dslab/sim';
import type { KvResponse } from '../kv-protocol';
import { mutantActive } from '../kit';
import { DecisionGroupClient } from './decision-group';
import { RecordLog } from './log';
import { isDecided, type Outcome, type ParticipantTxState, type RowOp, type TwoPcMessage } from './messages';
import type { TxObserver } from './observer';
import type { ParticipantConfig } from './types';
import { terminationOutcome } from './termination';

type ParticipantRecord =
  | {
      readonly t: 'prepared';
      readonly tx: string;
      readonly ops: readonly RowOp[];
      readonly participants: readonly NodeId[];
    }
  | { readonly t: 'precommitted'; readonly tx: string }
  | { readonly t: 'committed'; readonly tx: string }
  | { readonly t: 'aborted'; readonly tx: string };

interface TxState {
  state: ParticipantTxState;
  readonly ops: readonly RowOp[];
  readonly participants: readonly NodeId[];
  /** The inquiry (or termination) timer while the outcome is unknown. */
  timer: TimerId | undefined;
  /** 3PC termination: the peers' states heard in the current round. */
  heard: Map<NodeId, ParticipantTxState> | undefined;
}

/** A transaction aborted before this participant ever saw its PREPARE. */
function unvoted(): TxState {
  return { state: 'aborted', ops: [], participants: [], timer: undefined, heard: undefined };
}

/** Most transactions a participant remembers (it keeps every outcome so a late duplicate is recognised). */
export const MAX_REMEMBERED_TRANSACTIONS = 200_000;

export interface ParticipantSnapshot {
  readonly id: NodeId;
  readonly rows: readonly (readonly [string, number])[];
  readonly locks: readonly { readonly key: string; readonly tx: string }[];
  readonly inDoubt: readonly { readonly tx: string; readonly state: ParticipantTxState }[];
  readonly committed: number;
  readonly aborted: number;
  readonly refused: number;
  readonly logRecords: number;
}

export class Participant implements SimNode<TwoPcMessage> {
  private readonly rows = new Map<string, number>();
  private readonly locks = new Map<string, string>();
  private readonly txs = new Map<string, TxState>();
  private readonly log: RecordLog<ParticipantRecord>;
  private readonly group: DecisionGroupClient | undefined;
  private committed = 0;
  private aborted = 0;
  private refused = 0;

  constructor(
    private readonly env: Env<TwoPcMessage>,
    private readonly config: ParticipantConfig,
    private readonly observer: TxObserver,
  ) {
    this.group = config.decisions === 'raft' ? new DecisionGroupClient(env, config.decisionGroup) : undefined;
    const { log, records } = RecordLog.open<ParticipantRecord>(env.disk, 'participant.log');
    this.log = log;
    this.recover(records);
  }

  /** Replays the log: committed rows, and prepared transactions back in doubt with their locks. */
  private recover(records: readonly ParticipantRecord[]): void {
    for (const record of records) {
      if (record.t === 'prepared') {
        this.txs.set(record.tx, {
          state: 'prepared',
          ops: record.ops,
          participants: record.participants,
          timer: undefined,
          heard: undefined,
        });
        if (mutantActive(this.config.mutant, 'apply-at-prepare')) this.applyRows(record.ops);
        continue;
      }
      const tx = this.txs.get(record.tx);
      if (!tx) {
        // An abort without a prepare: 3PC's termination asked about a transaction this node never voted on.
        if (record.t === 'aborted') this.txs.set(record.tx, unvoted());
        continue;
      }
      if (record.t === 'precommitted') tx.state = 'precommitted';
      else if (record.t === 'committed') {
        if (!mutantActive(this.config.mutant, 'apply-at-prepare')) this.applyRows(tx.ops);
        tx.state = 'committed';
        this.committed++;
      } else {
        tx.state = 'aborted';
        this.aborted++;
      }
    }
    for (const [id, tx] of this.txs) {
      if (isDecided(tx.state)) continue;
      for (const op of tx.ops) this.locks.set(op.key, id);
      this.env.trace('recovered-in-doubt', { tx: id, state: tx.state });
      this.armInquiry(id, tx);
    }
  }

  onMessage(from: NodeId, msg: TwoPcMessage): void {
    switch (msg.type) {
      case 'prepare':
        this.onPrepare(from, msg.tx, msg.ops, msg.participants);
        return;
      case 'precommit':
        this.onPrecommit(from, msg.tx);
        return;
      case 'decision':
        this.apply(msg.tx, msg.outcome, 'coordinator');
        if (from === this.config.coordinator) this.env.send(from, { type: 'ack', tx: msg.tx });
        return;
      case 'state-request':
        this.onStateRequest(from, msg.tx);
        return;
      case 'state-reply':
        this.onStateReply(from, msg.tx, msg.state);
        return;
      case 'response':
        this.group?.onResponse(from, msg as KvResponse);
        return;
      default:
        return;
    }
  }

  private onPrepare(from: NodeId, id: string, ops: readonly RowOp[], participants: readonly NodeId[]): void {
    const known = this.txs.get(id);
    if (known) {
      // A duplicate or a retry: answer as before. An aborted one (refused, or aborted by a termination) stays NO.
      this.env.send(from, { type: 'vote', tx: id, yes: known.state !== 'aborted' });
      return;
    }
    const problem = this.check(id, ops);
    if (problem !== undefined) {
      // Nothing was locked or logged: under presumed abort a NO needs no log record.
      this.remember(id, { state: 'aborted', ops, participants, timer: undefined, heard: undefined });
      this.refused++;
      this.observer.refused();
      this.env.trace('vote-no', { tx: id, reason: problem });
      this.env.send(from, { type: 'vote', tx: id, yes: false, reason: problem });
      return;
    }
    for (const op of ops) this.locks.set(op.key, id);
    const tx: TxState = { state: 'prepared', ops, participants, timer: undefined, heard: undefined };
    this.remember(id, tx);
    if (mutantActive(this.config.mutant, 'apply-at-prepare')) this.applyRows(ops);
    // The vote is a promise to commit whatever happens to this node: the record must be on disk first.
    this.log.append({ t: 'prepared', tx: id, ops, participants });
    this.log.force();
    this.observer.prepared(this.env.id, id);
    this.env.trace('vote-yes', { tx: id, locks: ops.length });
    this.env.send(from, { type: 'vote', tx: id, yes: true });
    this.armInquiry(id, tx);
  }

  /** Why this participant cannot promise to commit `ops`, or undefined when it can. */
  private check(id: string, ops: readonly RowOp[]): string | undefined {
    const seen = new Set<string>();
    for (const op of ops) {
      if (seen.has(op.key)) return `row ${op.key} twice in one transaction`;
      seen.add(op.key);
      const holder = this.locks.get(op.key);
      if (holder !== undefined && holder !== id) return `row ${op.key} locked by ${holder}`;
      if (op.min !== undefined && this.row(op.key) + op.add < op.min)
        return `row ${op.key} would fall below ${op.min}`;
    }
    return undefined;
  }

  private onPrecommit(from: NodeId, id: string): void {
    const tx = this.txs.get(id);
    if (!tx || tx.state === 'aborted') {
      // Too late: the termination protocol (or a refusal) already aborted it. Say so, so the coordinator aborts.
      this.env.send(from, { type: 'state-reply', tx: id, state: tx ? tx.state : 'unknown' });
      return;
    }
    if (tx.state === 'prepared') {
      tx.state = 'precommitted';
      this.log.append({ t: 'precommitted', tx: id });
      this.log.force();
    }
    this.env.send(from, { type: 'precommit-ack', tx: id });
  }

  /** Applies an outcome somebody decided (`source` says who). Idempotent: a duplicate changes nothing. */
  private apply(id: string, outcome: Outcome, source: string): void {
    const tx = this.txs.get(id);
    if (!tx || isDecided(tx.state)) return;
    if (tx.timer !== undefined) this.env.clearTimer(tx.timer);
    tx.timer = undefined;
    tx.heard = undefined;
    if (outcome === 'commit') {
      if (!mutantActive(this.config.mutant, 'apply-at-prepare')) this.applyRows(tx.ops);
      tx.state = 'committed';
      this.committed++;
      this.log.append({ t: 'committed', tx: id });
      this.log.force(); // the COMMIT is acknowledged only once the rows are durable
    } else {
      tx.state = 'aborted';
      this.aborted++;
      // Presumed abort: an abort record need not be forced; lost, the transaction is in doubt again and
      // asking gets ABORT again.
      this.log.append({ t: 'aborted', tx: id });
    }
    const keepLocks = outcome === 'abort' && mutantActive(this.config.mutant, 'keep-locks-after-abort');
    if (!keepLocks) for (const op of tx.ops) if (this.locks.get(op.key) === id) this.locks.delete(op.key);
    this.observer.resolved(this.env.id, id, outcome);
    this.env.trace('resolved', { tx: id, outcome, source });
  }

  private applyRows(ops: readonly RowOp[]): void {
    for (const op of ops) this.rows.set(op.key, this.row(op.key) + op.add);
  }

  private row(key: string): number {
    return this.rows.get(key) ?? this.config.initialRow;
  }

  private remember(id: string, tx: TxState): void {
    invariant(
      this.txs.size < MAX_REMEMBERED_TRANSACTIONS,
      'participant memory bound',
      () => `${this.env.id}`,
    );
    this.txs.set(id, tx);
  }

  /** While in doubt, ask every `inquireMs`: the coordinator (2PC), the group (raft) or the peers (3PC). */
  private armInquiry(id: string, tx: TxState): void {
    if (tx.timer !== undefined) this.env.clearTimer(tx.timer);
    tx.timer = this.env.setTimer(this.config.timings.inquireMs * (0.75 + this.env.random() / 2), () => {
      tx.timer = undefined;
      if (isDecided(tx.state)) return;
      this.inquire(id, tx);
    });
  }

  private inquire(id: string, tx: TxState): void {
    if (mutantActive(this.config.mutant, 'abort-after-yes-on-timeout')) {
      this.apply(id, 'abort', 'own timeout');
      return;
    }
    if (mutantActive(this.config.mutant, 'never-inquire')) return;
    if (this.config.protocol === '3pc') this.terminate(id, tx);
    else if (this.group) {
      // Propose ABORT: if the coordinator got COMMIT in first, the compare fails and tells us so.
      this.group.propose(id, 'abort', (outcome) => {
        this.observer.issued(id, outcome);
        this.apply(id, outcome, 'group');
      });
      this.env.trace('ask-group', { tx: id });
    } else {
      this.env.send(this.config.coordinator, { type: 'inquire', tx: id });
      this.env.trace('inquire', { tx: id });
    }
    this.armInquiry(id, tx);
  }

  // ---- three-phase commit's termination protocol ----

  private terminate(id: string, tx: TxState): void {
    tx.heard = new Map([[this.env.id, tx.state]]);
    if (this.config.termination === 'wait')
      this.env.send(this.config.coordinator, { type: 'inquire', tx: id });
    for (const peer of tx.participants)
      if (peer !== this.env.id) this.env.send(peer, { type: 'state-request', tx: id });
    this.env.trace('termination', { tx: id, state: tx.state });
  }

  private onStateRequest(from: NodeId, id: string): void {
    const tx = this.txs.get(id);
    if (!tx) {
      // Never voted: it may still abort on its own, and must, or a late PREPARE could make it vote YES
      // for a transaction its peers are about to abort.
      // Forced: a restart that forgot it could still vote YES after a peer acted on this ABORT.
      this.remember(id, unvoted());
      this.log.append({ t: 'aborted', tx: id });
      this.log.force();
      this.env.send(from, { type: 'state-reply', tx: id, state: 'aborted' });
      return;
    }
    this.env.send(from, { type: 'state-reply', tx: id, state: tx.state });
  }

  private onStateReply(from: NodeId, id: string, state: ParticipantTxState): void {
    const tx = this.txs.get(id);
    if (!tx || isDecided(tx.state) || !tx.heard) return;
    tx.heard.set(from, state);
    const outcome = terminationOutcome(tx.heard, this.config.termination);
    if (outcome === undefined) return;
    this.observer.issued(id, outcome);
    this.apply(id, outcome, 'termination');
  }

  snapshot(): ParticipantSnapshot {
    const inDoubt: { tx: string; state: ParticipantTxState }[] = [];
    for (const [tx, s] of this.txs) if (!isDecided(s.state)) inDoubt.push({ tx, state: s.state });
    return {
      id: this.env.id,
      rows: [...this.rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      locks: [...this.locks.entries()].map(([key, tx]) => ({ key, tx })),
      inDoubt,
      committed: this.committed,
      aborted: this.aborted,
      refused: this.refused,
      logRecords: this.log.size,
    };
  }

  /**
   * How far this participant's rows moved from their initial values, summed. A transfer moves money
   * between rows, so over all participants the sum stays 0 unless some transaction half-applied.
   */
  rowDelta(): number {
    let total = 0;
    for (const value of this.rows.values()) total += value - this.config.initialRow;
    return total;
  }

  get lockCount(): number {
    return this.locks.size;
  }

  get inDoubtCount(): number {
    let n = 0;
    for (const s of this.txs.values()) if (!isDecided(s.state)) n++;
    return n;
  }
}

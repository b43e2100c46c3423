/**
 * The harness's eye on every transaction, shared by the coordinator and the participants of one world
 * (the way `raft/safety.ts` watches Raft): when each began, which outcomes were decided and by whom,
 * when each participant prepared and resolved. It judges the two safety properties as they happen and
 * keeps the figures the scenarios print (time in doubt, lock-held time, latency). Times are the
 * harness's true clock, never a node's.
 */
import type { NodeId } from '@dslab/sim';
import type { Outcome } from './messages';

/** Who fixed an outcome: the coordinator (its log or presumed abort), the Raft group, or 3PC's termination among peers. */
export type DecisionSource = 'coordinator' | 'group' | 'termination';

export interface ParticipantRecord {
  preparedAt: number | undefined;
  resolvedAt: number | undefined;
  outcome: Outcome | undefined;
}

export interface TxRecord {
  readonly tx: string;
  readonly participants: readonly NodeId[];
  readonly startedAt: number;
  /** When the coordinator first knew the outcome (the application's answer). */
  decidedAt: number | undefined;
  /** The outcome the coordinator (or the group, for the coordinator) answered with first. */
  answer: Outcome | undefined;
  /** Every outcome some authority issued for this transaction (two means something went wrong). */
  readonly issued: Set<Outcome>;
  readonly at: Map<NodeId, ParticipantRecord>;
}

export interface Violation {
  readonly property: 'atomicity' | 'no unilateral decision';
  readonly detail: string;
  readonly at: number;
}

/** Most violations kept (the first one stops a checked run; scenarios that count splits keep going). */
export const MAX_VIOLATIONS = 1_000;

export class TxObserver {
  readonly txs = new Map<string, TxRecord>();
  readonly violations: Violation[] = [];
  /** Transactions with a participant committed and another aborted. */
  readonly split = new Set<string>();
  /** NO votes (a locked row, or stock or money running out). */
  refusals = 0;

  constructor(private readonly now: () => number) {}

  get firstViolation(): Violation | undefined {
    return this.violations[0];
  }

  began(tx: string, participants: readonly NodeId[]): void {
    const at = new Map<NodeId, ParticipantRecord>();
    for (const p of participants)
      at.set(p, { preparedAt: undefined, resolvedAt: undefined, outcome: undefined });
    this.txs.set(tx, {
      tx,
      participants,
      startedAt: this.now(),
      decidedAt: undefined,
      answer: undefined,
      issued: new Set(),
      at,
    });
  }

  /** An authority issued an outcome (the coordinator logged or presumed it, the group holds it, 3PC's termination chose it). */
  issued(tx: string, outcome: Outcome): void {
    this.txs.get(tx)?.issued.add(outcome);
  }

  /** The coordinator knows the outcome: the application's answer. */
  answered(tx: string, outcome: Outcome): void {
    const record = this.txs.get(tx);
    if (!record || record.answer !== undefined) return;
    record.answer = outcome;
    record.decidedAt = this.now();
  }

  /** A participant voted YES: from now on it may only apply an outcome somebody else decided. */
  prepared(participant: NodeId, tx: string): void {
    const p = this.txs.get(tx)?.at.get(participant);
    if (p && p.preparedAt === undefined) p.preparedAt = this.now();
  }

  /** A participant voted NO. */
  refused(): void {
    this.refusals++;
  }

  /** A prepared participant applied an outcome (committed its rows, or rolled them back). */
  resolved(participant: NodeId, tx: string, outcome: Outcome): void {
    const record = this.txs.get(tx);
    const p = record?.at.get(participant);
    if (!record || !p) return;
    if (!record.issued.has(outcome))
      this.report(
        'no unilateral decision',
        `${participant} applied ${outcome} to ${tx} after voting YES, but nobody had decided ${outcome}`,
      );
    if (p.outcome === undefined) {
      p.outcome = outcome;
      p.resolvedAt = this.now();
    } else if (p.outcome !== outcome)
      this.report('atomicity', `${participant} applied ${outcome} to ${tx} after applying ${p.outcome}`);
    for (const [other, q] of record.at) {
      if (q.outcome !== undefined && q.outcome !== outcome && !this.split.has(tx)) {
        this.split.add(tx);
        this.report(
          'atomicity',
          `${tx}: ${participant} applied ${outcome} while ${other} applied ${q.outcome}`,
        );
      }
    }
  }

  private report(property: Violation['property'], detail: string): void {
    if (this.violations.length < MAX_VIOLATIONS) this.violations.push({ property, detail, at: this.now() });
  }

  /** How long each prepared participant waited for its outcome (still waiting: until now). */
  inDoubtMs(): number[] {
    const now = this.now();
    const out: number[] = [];
    for (const record of this.txs.values())
      for (const p of record.at.values())
        if (p.preparedAt !== undefined) out.push((p.resolvedAt ?? now) - p.preparedAt);
    return out;
  }

  /** Prepared participants that have not learned the outcome yet. */
  inDoubt(): { tx: string; participant: NodeId; sinceMs: number }[] {
    const now = this.now();
    const out: { tx: string; participant: NodeId; sinceMs: number }[] = [];
    for (const record of this.txs.values())
      for (const [participant, p] of record.at)
        if (p.preparedAt !== undefined && p.resolvedAt === undefined)
          out.push({ tx: record.tx, participant, sinceMs: now - p.preparedAt });
    return out;
  }
}

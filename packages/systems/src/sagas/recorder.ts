/**
 * The harness's view of a saga run: every entry each service applied (mirrored into its own ledgers, so
 * they stay readable while a service is down), when each saga was accepted and ended, and what the
 * invariants found. It sees true time and every service at once, which no node can.
 */
import {
  pivotIndex,
  reservationsBehindCharge,
  sagaKindOf,
  sagaSteps,
  serviceIds,
  type ServiceId,
} from './definitions';
import { Ledger, type Change, type LedgerEntry } from './ledger';
import type { SagaOutcome } from './orchestrator';

/** One applied request, as the lab's timeline draws it. */
export interface AppliedStep {
  readonly t: number;
  readonly service: ServiceId;
  readonly op: string;
  readonly change: Change;
  readonly reason?: string;
}

/** Applied requests kept per saga for the lab (a saga without keys under duplication may apply more). */
export const TIMELINE_BOUND = 64;

/** Sold-out refusals remembered with the sagas that held the capacity then (the isolation scenarios). */
export const SOLD_OUT_BOUND = 10_000;

/** A saga turned away because others held every unit: it saw their intermediate state. */
export interface SoldOut {
  readonly saga: string;
  readonly service: ServiceId;
  readonly holders: readonly string[];
}

/** Checked in this order: undoing after the pivot is named before the missing reservation it leaves. */
export const INVARIANTS = {
  nothingUndoneAfterPivot: 'nothing is undone after the pivot',
  noChargeWithoutReservation: 'never charged without a reservation',
  noDoubleRefund: 'never refunded twice',
  noDoubleCharge: 'never charged twice',
} as const;

export type InvariantKey = keyof typeof INVARIANTS;

export class SagaRecorder {
  readonly ledgers = new Map<ServiceId, Ledger>(serviceIds.map((id) => [id, new Ledger()]));
  readonly timelines = new Map<string, AppliedStep[]>();
  readonly acceptedAt = new Map<string, number>();
  readonly endedAt = new Map<string, { readonly t: number; readonly outcome: SagaOutcome }>();
  readonly cancels = new Map<string, boolean>();
  private readonly pivotAt = new Map<string, number>();
  readonly problems: Partial<Record<InvariantKey, string>> = {};
  /** Counted even when invariants are off (the scenarios that run broken variants measure these). */
  readonly counts = {
    chargedWithoutReservation: 0,
    doubleRefunds: 0,
    doubleCharges: 0,
    undoneAfterPivot: 0,
  };
  private readonly flagged = new Set<string>();
  readonly soldOut: SoldOut[] = [];

  constructor(private readonly now: () => number) {}

  ledger(service: ServiceId): Ledger {
    return this.ledgers.get(service) as Ledger;
  }

  accepted(saga: string): void {
    if (!this.acceptedAt.has(saga)) this.acceptedAt.set(saga, this.now());
  }

  ended(saga: string, outcome: SagaOutcome): void {
    if (!this.endedAt.has(saga)) this.endedAt.set(saga, { t: this.now(), outcome });
  }

  observe(service: ServiceId, entry: LedgerEntry): void {
    this.ledger(service).apply(entry);
    if (entry.k !== 'op' && entry.k !== 'expire') return;
    const saga = entry.saga;
    const timeline = this.timelines.get(saga) ?? [];
    if (timeline.length < TIMELINE_BOUND) {
      timeline.push(
        entry.k === 'op'
          ? {
              t: this.now(),
              service,
              op: entry.op,
              change: entry.change,
              ...(entry.reply.reason !== undefined ? { reason: entry.reply.reason } : {}),
            }
          : { t: this.now(), service, op: 'expire', change: 'unhold', reason: 'time to live' },
      );
      this.timelines.set(saga, timeline);
    }
    if (entry.k === 'op') this.checkPivot(service, saga, entry.op, entry.change);
    if (entry.k === 'op' && entry.reply.reason === 'sold out' && this.soldOut.length < SOLD_OUT_BOUND) {
      this.soldOut.push({ saga, service, holders: [...this.ledger(service).holders] });
    }
    this.checkMoney(saga);
  }

  private checkPivot(service: ServiceId, saga: string, op: string, change: Change): void {
    if (saga[0] !== 'o' && saga[0] !== 't') return;
    const kind = sagaKindOf(saga);
    const steps = sagaSteps[kind];
    const pivot = steps[pivotIndex(kind)];
    if (pivot?.service === service && pivot.op === op && change !== 'refused' && !this.pivotAt.has(saga))
      this.pivotAt.set(saga, this.now());
    const isUndo = steps.some((s) => s.service === service && s.undo === op);
    if (isUndo && this.pivotAt.has(saga))
      this.flag(
        'nothingUndoneAfterPivot',
        saga,
        'undoneAfterPivot',
        `${service} ran ${op} of ${saga} after its pivot (${pivot?.name}) succeeded`,
      );
  }

  /** Charged ⇒ every reservation behind the charge is held; at most one charge and one refund. */
  private checkMoney(saga: string): void {
    if (saga[0] !== 'o' && saga[0] !== 't') return;
    const payment = this.ledger('payment').peek(saga);
    if (!payment) return;
    if (payment.charges > 1)
      this.flag('noDoubleCharge', saga, 'doubleCharges', `${saga} was charged ${payment.charges} times`);
    if (payment.refunds > 1 || payment.refunds > payment.charges)
      this.flag(
        'noDoubleRefund',
        saga,
        'doubleRefunds',
        `${saga} was refunded ${payment.refunds} times for ${payment.charges} charge(s)`,
      );
    if (payment.charges - payment.refunds <= 0) return;
    for (const service of reservationsBehindCharge[sagaKindOf(saga)]) {
      const record = this.ledger(service).peek(saga);
      if ((record?.units ?? 0) > 0) continue;
      const why = record?.expired
        ? 'its reservation expired'
        : record
          ? 'its reservation was released'
          : 'nothing was reserved';
      this.flag(
        'noChargeWithoutReservation',
        saga,
        'chargedWithoutReservation',
        `${saga} is charged but ${service} holds nothing for it: ${why}`,
      );
    }
  }

  private flag(key: InvariantKey, saga: string, count: keyof SagaRecorder['counts'], problem: string): void {
    const id = `${key}:${saga}`;
    if (this.flagged.has(id)) return;
    this.flagged.add(id);
    this.counts[count]++;
    this.problems[key] ??= `${problem} (at ${this.now().toFixed(1)} ms)`;
  }
}

/**
 * A service's durable state, rebuilt by replaying its log: per saga what it holds, charged, refunded or
 * marked; the idempotency table (the stored reply of every keyed request); the tombstones a compensation
 * leaves so that a late forward request is refused. Every change is an entry, applied the same way live,
 * on replay after a restart, and by the harness's recorder — so all three agree.
 */
import { invariant } from '@dslab/sim';

/** What a service holds for one saga. */
export interface SagaRecord {
  /** Units of capacity held (stock, seats, rooms). */
  units: number;
  charges: number;
  refunds: number;
  /** The last status a `mark` operation set (pending, confirmed, shipped, sold …). */
  status: string | undefined;
  /** A hold that lapsed by its time to live before the saga committed it. */
  expired: boolean;
  /** When the last unit was held (the service's clock), for the time to live. */
  heldAt: number;
}

export interface Reply {
  readonly ok: boolean;
  readonly reason?: string;
}

/** What an applied request did to the record. */
export type Change =
  | 'hold'
  | 'unhold'
  | 'charge'
  | 'refund'
  | 'mark'
  /** A compensation that found nothing to undo (it may leave a tombstone). */
  | 'noop'
  /** A blind release that found nothing held and put a unit back anyway: stock that never existed. */
  | 'phantom'
  /** The business said no (sold out, declined, undeliverable, cancelled by a tombstone). */
  | 'refused';

export type LedgerEntry =
  | {
      readonly k: 'op';
      readonly saga: string;
      readonly op: string;
      /** The idempotency key; absent for a request sent without one (it is applied every time it arrives). */
      readonly key?: string;
      readonly change: Change;
      readonly status?: string;
      readonly reply: Reply;
      /** A forward key this request tombstones: that request is refused from now on. */
      readonly tombstone?: string;
      readonly at: number;
    }
  | { readonly k: 'expire'; readonly saga: string; readonly at: number }
  /** Choreography: an event this service must deliver (its outbox), and its delivery acknowledged. */
  | {
      readonly k: 'publish';
      readonly id: string;
      readonly to: string;
      readonly saga: string;
      readonly name: string;
    }
  | { readonly k: 'acked'; readonly id: string };

export interface OutboxItem {
  readonly id: string;
  readonly to: string;
  readonly saga: string;
  readonly name: string;
}

/** Choreography events a service may have in flight at once: past this it stops taking new events. */
export const OUTBOX_BOUND = 4_096;

export function emptyRecord(): SagaRecord {
  return { units: 0, charges: 0, refunds: 0, status: undefined, expired: false, heldAt: 0 };
}

export class Ledger {
  readonly records = new Map<string, SagaRecord>();
  readonly replies = new Map<string, Reply>();
  readonly tombstones = new Set<string>();
  readonly outbox = new Map<string, OutboxItem>();
  /** Units held across all sagas, and the sagas holding them. */
  held = 0;
  readonly holders = new Set<string>();
  applied = 0;
  compensationsWithNothingToUndo = 0;
  refusedByTombstone = 0;
  expired = 0;
  /** Units put back by blind releases of holds that never happened. */
  phantom = 0;

  record(saga: string): SagaRecord {
    let record = this.records.get(saga);
    if (!record) {
      record = emptyRecord();
      this.records.set(saga, record);
    }
    return record;
  }

  peek(saga: string): SagaRecord | undefined {
    return this.records.get(saga);
  }

  apply(entry: LedgerEntry): void {
    switch (entry.k) {
      case 'op':
        this.applyOp(entry);
        return;
      case 'expire': {
        const record = this.record(entry.saga);
        this.held -= record.units;
        record.units = 0;
        record.expired = true;
        this.holders.delete(entry.saga);
        this.expired++;
        return;
      }
      case 'publish':
        invariant(this.outbox.size < OUTBOX_BOUND, `outbox over its bound of ${OUTBOX_BOUND}`);
        this.outbox.set(entry.id, { id: entry.id, to: entry.to, saga: entry.saga, name: entry.name });
        return;
      case 'acked':
        this.outbox.delete(entry.id);
        return;
    }
  }

  private applyOp(entry: Extract<LedgerEntry, { k: 'op' }>): void {
    const record = this.record(entry.saga);
    this.applied++;
    switch (entry.change) {
      case 'hold':
        record.units++;
        record.heldAt = entry.at;
        record.expired = false;
        this.held++;
        this.holders.add(entry.saga);
        break;
      case 'unhold':
        if (record.units > 0) {
          record.units--;
          this.held--;
          if (record.units === 0) this.holders.delete(entry.saga);
        }
        break;
      case 'charge':
        record.charges++;
        break;
      case 'refund':
        record.refunds++;
        break;
      case 'mark':
        record.status = entry.status;
        break;
      case 'noop':
        this.compensationsWithNothingToUndo++;
        break;
      case 'phantom':
        this.phantom++;
        break;
      case 'refused':
        if (entry.reply.reason === 'cancelled') this.refusedByTombstone++;
        break;
    }
    if (entry.key !== undefined) this.replies.set(entry.key, entry.reply);
    if (entry.tombstone !== undefined) this.tombstones.add(entry.tombstone);
    invariant(this.held >= 0, 'a service holds a negative number of units');
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeEntry(entry: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(entry) + '\n');
}

/** The entries of a JSON-lines log; a torn last line (a crash mid-append) is dropped, as it was never acknowledged. */
export function decodeEntries<T>(bytes: Uint8Array | undefined): T[] {
  if (!bytes) return [];
  const lines = decoder.decode(bytes).split('\n');
  const entries: T[] = [];
  for (const line of lines) {
    if (line.length === 0) continue;
    try {
      entries.push(JSON.parse(line) as T);
    } catch {
      break;
    }
  }
  return entries;
}

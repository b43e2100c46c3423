/**
 * A service that takes part in sagas (orders, inventory, payment, shipping, flights, hotels). It applies
 * each request at most once per idempotency key, answers a repeated key with the stored reply, and
 * makes every change durable (append + sync) before it replies or publishes. A compensation that finds
 * nothing to undo is a no-op that leaves a tombstone, so the forward request it raced is refused when it
 * arrives late. In a choreographed saga the service also reacts to events and publishes its own through
 * a durable outbox, redelivered until acknowledged.
 */
import { invariant, murmur3, type Env, type NodeId, type SimNode } from '@dslab/sim';
import { mutantActive } from '../kit';
import { subscribers, type Reaction } from './choreography';
import { operationSpec, type ServiceId } from './definitions';
import {
  decodeEntries,
  encodeEntry,
  Ledger,
  OUTBOX_BOUND,
  type Change,
  type LedgerEntry,
  type Reply,
} from './ledger';
import type { SagaMessage } from './messages';
import type { SagaMutant } from './mutants';

export const LEDGER_FILE = 'ledger.log';

export interface ServiceConfig {
  readonly service: ServiceId;
  /** Units that `hold` operations can take (stock, seats, rooms). */
  readonly capacity: number;
  /** Fractions of sagas the business refuses, by a hash of the saga id. */
  readonly declineRate: number;
  readonly undeliverableRate: number;
  /** Salt of that hash (the seed), so a run's refusals are fixed but runs differ. */
  readonly salt: number;
  /** A hold lapses after this long unless committed (0: never). */
  readonly reservationTtlMs: number;
  /** Compensations act without looking at what was done: refund money never taken, put back stock never held. */
  readonly blindCompensations: boolean;
  /** A customer's cancel of an order a saga is still working on is refused until the saga ends. */
  readonly semanticLock: boolean;
  /** Choreography: the reactions of every service (this one picks its own); absent when orchestrated. */
  readonly reactions?: readonly Reaction[];
  readonly retryMs: number;
  readonly mutant?: SagaMutant;
  /** The harness's recorder sees every entry applied live (not the replay after a restart). */
  readonly observe?: (service: ServiceId, entry: LedgerEntry, now: number) => void;
}

/** Murmur3 mixes its last bytes well; saga ids differ only there (FNV-1a's top bits barely move). */
export function refusedByRate(salt: number, what: string, saga: string, rate: number): boolean {
  return rate > 0 && murmur3(`${what}:${saga}`, salt) / 4_294_967_296 < rate;
}

export class ServiceNode implements SimNode<SagaMessage> {
  readonly ledger = new Ledger();
  private readonly subscribers: ReadonlyMap<string, readonly ServiceId[]>;
  private readonly mine: readonly Reaction[];
  duplicatesAnswered = 0;

  constructor(
    private readonly env: Env<SagaMessage>,
    private readonly config: ServiceConfig,
  ) {
    const table = config.reactions ?? [];
    this.subscribers = subscribers(table);
    this.mine = table.filter((r) => r.service === config.service);
    for (const entry of decodeEntries<LedgerEntry>(env.disk.read(LEDGER_FILE))) this.ledger.apply(entry);
    for (const [saga, record] of this.ledger.records)
      if (record.units > 0 && record.status !== 'sold') this.armExpiry(saga, record.heldAt);
    if (table.length > 0) this.redeliver();
  }

  onMessage(from: NodeId, msg: SagaMessage): void {
    switch (msg.type) {
      case 'do': {
        const reply = this.request(msg.saga, msg.op, msg.key);
        this.env.send(from, {
          type: 'done',
          saga: msg.saga,
          op: msg.op,
          ...(msg.key !== undefined ? { key: msg.key } : {}),
          ...(msg.call !== undefined ? { call: msg.call } : {}),
          reply,
        });
        return;
      }
      case 'event':
        if (this.react(msg.saga, msg.name)) this.env.send(from, { type: 'event-ack', id: msg.id });
        return;
      case 'event-ack': {
        if (!this.ledger.outbox.has(msg.id)) return;
        this.persist([{ k: 'acked', id: msg.id }]);
        return;
      }
      default:
        return;
    }
  }

  snapshot(): unknown {
    return {
      service: this.config.service,
      held: this.ledger.held,
      applied: this.ledger.applied,
      tombstones: this.ledger.tombstones.size,
      outbox: this.ledger.outbox.size,
    };
  }

  /** Applies one request (or answers it from the idempotency table) and returns the reply. */
  private request(saga: string, op: string, key: string | undefined): Reply {
    const decided = this.decide(saga, op, key);
    if (decided.entry) this.persist([decided.entry]);
    return decided.reply;
  }

  /** Choreography: runs this service's reaction to an event. False when it cannot take it now (outbox full). */
  private react(saga: string, name: string): boolean {
    const reaction = this.mine.find((r) => r.on.includes(name));
    if (!reaction) return true;
    const key = `${saga}:${reaction.op}`;
    if (this.ledger.replies.has(key)) {
      this.duplicatesAnswered++;
      return true;
    }
    if (this.ledger.outbox.size + 4 > OUTBOX_BOUND) return false;
    const decided = this.decide(saga, reaction.op, key);
    const outcome = decided.reply.ok ? reaction.ok : reaction.fail;
    invariant(
      decided.reply.ok || reaction.fail !== undefined,
      `${this.config.service} ${reaction.op} of ${saga} was refused (${decided.reply.reason}) but no event says so`,
    );
    const entries: LedgerEntry[] = decided.entry ? [decided.entry] : [];
    if (outcome !== undefined)
      for (const to of this.subscribers.get(outcome) ?? [])
        entries.push({
          k: 'publish',
          id: `${this.config.service}:${saga}:${outcome}:${to}`,
          to,
          saga,
          name: outcome,
        });
    this.persist(entries);
    for (const entry of entries) if (entry.k === 'publish') this.deliver(entry.id);
    return true;
  }

  private deliver(id: string): void {
    const item = this.ledger.outbox.get(id);
    if (item) this.env.send(item.to, { type: 'event', id, saga: item.saga, name: item.name });
  }

  /** Redelivers every unacknowledged event, every `retryMs`, forever: at-least-once delivery. */
  private redeliver(): void {
    this.env.setTimer(this.config.retryMs, () => {
      for (const id of this.ledger.outbox.keys()) this.deliver(id);
      this.redeliver();
    });
  }

  private decide(saga: string, op: string, key: string | undefined): { entry?: LedgerEntry; reply: Reply } {
    const spec = operationSpec(this.config.service, op);
    const at = this.env.now();
    const entry = (change: Change, reply: Reply, extra: { status?: string; tombstone?: string } = {}) => ({
      entry: {
        k: 'op' as const,
        saga,
        op,
        ...(key !== undefined ? { key } : {}),
        change,
        reply,
        ...extra,
        at,
      },
      reply,
    });
    if (key !== undefined) {
      const cached = this.ledger.replies.get(key);
      const ignoresKey =
        spec.effect === 'refund' && mutantActive(this.config.mutant, 'refund-not-idempotent');
      if (cached && !ignoresKey) {
        this.duplicatesAnswered++;
        return { reply: cached };
      }
      if (spec.undoes === undefined && this.ledger.tombstones.has(key))
        return entry('refused', { ok: false, reason: 'cancelled' });
    }
    const record = this.ledger.peek(saga);
    // A compensation with nothing to undo tombstones the forward request, which may still be on its way.
    const tombstone =
      spec.undoes !== undefined && !mutantActive(this.config.mutant, 'cancel-no-tombstone')
        ? { tombstone: `${saga}:${spec.undoes}` }
        : {};
    switch (spec.effect) {
      case 'hold':
        if (this.ledger.held - this.ledger.phantom >= this.config.capacity)
          return entry('refused', { ok: false, reason: 'sold out' });
        return entry('hold', { ok: true });
      case 'unhold':
        if ((record?.units ?? 0) > 0) return entry('unhold', { ok: true }, tombstone);
        if (this.config.blindCompensations) return entry('phantom', { ok: true });
        return entry('noop', { ok: true, reason: 'nothing to undo' }, tombstone);
      case 'charge':
        if (refusedByRate(this.config.salt, 'decline', saga, this.config.declineRate))
          return entry('refused', { ok: false, reason: 'declined' });
        return entry('charge', { ok: true });
      case 'refund': {
        const charges = record?.charges ?? 0;
        const owed = mutantActive(this.config.mutant, 'refund-not-idempotent')
          ? charges
          : charges - (record?.refunds ?? 0);
        if (owed > 0 || this.config.blindCompensations) return entry('refund', { ok: true }, tombstone);
        return entry('noop', { ok: true, reason: 'nothing to undo' }, tombstone);
      }
      case 'mark':
        return this.decideMark(saga, op, record?.status, entry, tombstone);
    }
  }

  private decideMark<T>(
    saga: string,
    op: string,
    status: string | undefined,
    entry: (change: Change, reply: Reply, extra?: { status?: string; tombstone?: string }) => T,
    tombstone: { tombstone?: string },
  ): T {
    const spec = operationSpec(this.config.service, op);
    if (op === 'cancel') {
      // The customer's cancel. Under a semantic lock an order a saga is still working on says "not now".
      if (status === undefined) return entry('refused', { ok: false, reason: 'no such order' });
      if (status === 'confirmed') return entry('refused', { ok: false, reason: 'already confirmed' });
      if (status === 'pending' && this.config.semanticLock)
        return entry('refused', { ok: false, reason: 'pending' });
      if (status === 'rejected' || status === 'cancelled') return entry('mark', { ok: true }, { status });
      return entry('mark', { ok: true }, { status: 'cancelled' });
    }
    if (spec.refuseRate === 'undeliverable') {
      if (refusedByRate(this.config.salt, 'undeliverable', saga, this.config.undeliverableRate))
        return entry('refused', { ok: false, reason: 'undeliverable' });
    }
    if (spec.undoes !== undefined && status === undefined && !this.config.blindCompensations)
      return entry('noop', { ok: true, reason: 'nothing to undo' }, tombstone);
    return entry('mark', { ok: true }, { ...(spec.status ? { status: spec.status } : {}), ...tombstone });
  }

  /** Durable before anyone hears of it: append every entry, sync once, then apply. */
  private persist(entries: readonly LedgerEntry[]): void {
    if (entries.length === 0) return;
    for (const entry of entries) this.env.disk.append(LEDGER_FILE, encodeEntry(entry));
    this.env.disk.sync();
    for (const entry of entries) {
      this.ledger.apply(entry);
      if (entry.k === 'op') {
        this.env.trace('apply', { saga: entry.saga, op: entry.op, change: entry.change });
        if (entry.change === 'hold') this.armExpiry(entry.saga, entry.at);
      }
      this.config.observe?.(this.config.service, entry, this.env.now());
    }
  }

  private ttlMs(): number {
    if (this.config.service !== 'inventory') return 0;
    return mutantActive(this.config.mutant, 'reservation-expires') ? 40 : this.config.reservationTtlMs;
  }

  private armExpiry(saga: string, heldAt: number): void {
    const ttl = this.ttlMs();
    if (ttl <= 0) return;
    this.env.setTimer(Math.max(0, heldAt + ttl - this.env.now()), () => {
      const record = this.ledger.peek(saga);
      if (!record || record.units === 0 || record.status === 'sold') return;
      if (this.env.now() < record.heldAt + ttl) return; // held again since: its own timer decides
      this.persist([{ k: 'expire', saga, at: this.env.now() }]);
    });
  }
}

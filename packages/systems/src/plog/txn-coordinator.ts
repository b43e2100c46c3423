/**
 * The transaction coordinator (KIP-98), a node of its own that the nemesis may crash, pause or cut off.
 * Per transactional id it keeps the producer id, the current producer epoch and the transaction's phase
 * (empty → ongoing → prepare-commit/abort → complete-commit/abort), on its disk, synced before any answer
 * depends on it: Kafka keeps the same state in the replicated `__transaction_state` topic, so that a new
 * coordinator finishes what the old one decided. On restart it reloads the state and writes the markers
 * of every transaction in a prepare phase again; an ongoing one times out as before.
 *
 * Fencing: InitProducerId bumps the epoch (aborting a transaction the previous instance left open), so
 * requests of an older epoch are refused here and, once the markers carry the new epoch, by the brokers.
 * A transaction open longer than `transaction.timeout.ms` is aborted with a bumped epoch too; its own
 * producer may then ask for the next epoch with the one it had (KIP-360), a zombie may not.
 */
import { invariant, type Env, type NodeId, type SimNode } from '@dslab/sim';
import type { PartitionId, PartitionState, PlogMessage, TxnError } from './messages';

export type TxnPhase =
  'empty' | 'ongoing' | 'prepare-commit' | 'prepare-abort' | 'complete-commit' | 'complete-abort';

export interface TxnEntry {
  readonly transactionalId: string;
  readonly producerId: number;
  epoch: number;
  phase: TxnPhase;
  /** The current (or last) transaction's number: markers and records carry it, so stale ones are told apart. */
  txnSeq: number;
  /** Partitions of the current transaction (AddPartitionsToTxn). */
  partitions: PartitionId[];
  /** Partitions whose marker the ISR does not have yet (prepare phases). */
  pending: PartitionId[];
  startedAt: number;
  /** The last InitProducerId answered: a repeat of it (same nonce) gets the same epoch, not a new one. */
  lastInit: { nonce: number; epoch: number } | undefined;
  /** The epoch whose transaction the coordinator aborted on timeout, while no one has asked for a newer one; else -1. */
  timedOutEpoch: number;
}

export interface TxnCoordinatorConfig {
  readonly controller: NodeId;
  /** transaction.timeout.ms */
  readonly transactionTimeoutMs: number;
}

/** Producer ids of transactional producers start here, apart from the controller's idempotent ones. */
export const TXN_PRODUCER_ID_BASE = 1_000_000;
/** Transactional ids the coordinator keeps: a request for a new one past it is refused (fenced). */
export const TXN_IDS_BOUND = 10_000;

const TICK_MS = 20;
const MARKER_RESEND_MS = 100;
const STATE_FILE = 'txn-state';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Persisted {
  readonly nextProducerId: number;
  readonly entries: readonly TxnEntry[];
}

export interface TxnCoordinatorSnapshot {
  readonly transactions: readonly Readonly<TxnEntry>[];
  readonly timedOut: number;
  readonly fenced: number;
}

export class TxnCoordinator implements SimNode<PlogMessage> {
  private readonly entries = new Map<string, TxnEntry>();
  private nextProducerId = TXN_PRODUCER_ID_BASE + 1;
  private leaders = new Map<PartitionId, NodeId | undefined>();
  private lastMarkerSend = -Infinity;
  /** Transactions this incarnation aborted on timeout, and requests it refused as fenced. */
  timedOut = 0;
  fenced = 0;

  constructor(
    private readonly env: Env<PlogMessage>,
    private readonly config: TxnCoordinatorConfig,
  ) {
    const bytes = env.disk.read(STATE_FILE);
    if (bytes) {
      const state = JSON.parse(decoder.decode(bytes)) as Persisted;
      this.nextProducerId = state.nextProducerId;
      for (const entry of state.entries) this.entries.set(entry.transactionalId, { ...entry });
    }
    this.tick();
  }

  /** The state on disk before an answer that depends on it leaves (Kafka: the transaction log write is acknowledged). */
  private persist(): void {
    const state: Persisted = { nextProducerId: this.nextProducerId, entries: [...this.entries.values()] };
    this.env.disk.write(STATE_FILE, encoder.encode(JSON.stringify(state)));
    this.env.disk.sync();
  }

  private reply(
    to: NodeId,
    id: number,
    extra: Omit<PlogMessage & { type: 'txn-reply' }, 'type' | 'id'>,
  ): void {
    this.env.send(to, { type: 'txn-reply', id, ...extra });
  }

  private refuse(to: NodeId, id: number, error: TxnError, entry?: TxnEntry, epoch?: number): void {
    if (error === 'producer-fenced') this.fenced++;
    const timedOut = entry !== undefined && epoch !== undefined && epoch === entry.timedOutEpoch;
    this.reply(to, id, { error, ...(timedOut ? { timedOut } : {}) });
  }

  private tick(): void {
    const now = this.env.now();
    for (const entry of this.entries.values())
      if (entry.phase === 'ongoing' && now - entry.startedAt > this.config.transactionTimeoutMs) {
        // transaction.timeout.ms: abort it under a new epoch, so its producer's late writes are fenced.
        this.timedOut++;
        this.env.trace('transaction-timeout', { transactionalId: entry.transactionalId, epoch: entry.epoch });
        entry.timedOutEpoch = entry.epoch;
        this.prepare(entry, false, entry.epoch + 1);
      }
    if (now - this.lastMarkerSend >= MARKER_RESEND_MS) {
      this.lastMarkerSend = now;
      this.env.send(this.config.controller, { type: 'metadata', id: 0 });
      for (const entry of this.entries.values()) this.sendMarkers(entry);
    }
    this.env.setTimer(TICK_MS, () => this.tick());
  }

  /** Decides the transaction's end (durably), then writes its markers. */
  private prepare(entry: TxnEntry, commit: boolean, epoch: number): void {
    invariant(
      entry.phase === 'ongoing',
      'txn-prepare-from-ongoing',
      () => `${entry.transactionalId} ${entry.phase}`,
    );
    entry.epoch = epoch;
    entry.phase = commit ? 'prepare-commit' : 'prepare-abort';
    entry.pending = [...entry.partitions];
    if (entry.pending.length === 0) entry.phase = commit ? 'complete-commit' : 'complete-abort';
    this.persist();
    this.sendMarkers(entry);
  }

  private sendMarkers(entry: TxnEntry): void {
    if (entry.phase !== 'prepare-commit' && entry.phase !== 'prepare-abort') return;
    for (const partition of entry.pending) {
      const leader = this.leaders.get(partition);
      if (leader !== undefined)
        this.env.send(leader, {
          type: 'write-marker',
          producerId: entry.producerId,
          producerEpoch: entry.epoch,
          txnSeq: entry.txnSeq,
          commit: entry.phase === 'prepare-commit',
          partition,
        });
    }
  }

  onMessage(from: NodeId, msg: PlogMessage): void {
    switch (msg.type) {
      case 'metadata-reply':
        this.leaders = new Map(msg.partitions.map((p: PartitionState) => [p.id, p.leader]));
        return;
      case 'init-txn-producer':
        return this.onInit(from, msg);
      case 'add-partitions-to-txn':
        return this.onAddPartitions(from, msg);
      case 'end-txn':
        return this.onEndTxn(from, msg);
      case 'marker-written':
        return this.onMarkerWritten(msg);
      default:
        return;
    }
  }

  private onInit(from: NodeId, msg: PlogMessage & { type: 'init-txn-producer' }): void {
    let entry = this.entries.get(msg.transactionalId);
    if (!entry) {
      if (msg.previous !== undefined || this.entries.size >= TXN_IDS_BOUND)
        return this.refuse(from, msg.id, 'producer-fenced');
      entry = {
        transactionalId: msg.transactionalId,
        producerId: this.nextProducerId++,
        epoch: 0,
        txnSeq: 0,
        phase: 'empty',
        partitions: [],
        pending: [],
        startedAt: 0,
        timedOutEpoch: -1,
        lastInit: { nonce: msg.nonce, epoch: 0 },
      };
      this.entries.set(msg.transactionalId, entry);
      this.persist();
      return this.reply(from, msg.id, { producerId: entry.producerId, producerEpoch: entry.epoch });
    }
    if (entry.lastInit?.nonce === msg.nonce && entry.lastInit.epoch === entry.epoch)
      return this.reply(from, msg.id, { producerId: entry.producerId, producerEpoch: entry.epoch });
    // KIP-360: only the producer whose transaction timed out may continue, with the epoch it had then.
    const previous = msg.previous;
    if (
      previous !== undefined &&
      (previous.producerId !== entry.producerId ||
        previous.epoch !== entry.timedOutEpoch ||
        entry.epoch !== previous.epoch + 1)
    )
      return this.refuse(from, msg.id, 'producer-fenced');
    if (entry.phase === 'prepare-commit' || entry.phase === 'prepare-abort')
      return this.refuse(from, msg.id, 'concurrent-transactions');
    if (entry.phase === 'ongoing') {
      // A new instance: the previous one's open transaction is aborted under the new epoch; ask again.
      entry.timedOutEpoch = -1;
      this.prepare(entry, false, entry.epoch + 1);
      return this.refuse(from, msg.id, 'concurrent-transactions');
    }
    entry.epoch++;
    entry.timedOutEpoch = -1;
    entry.phase = 'empty';
    entry.partitions = [];
    entry.lastInit = { nonce: msg.nonce, epoch: entry.epoch };
    this.persist();
    this.reply(from, msg.id, { producerId: entry.producerId, producerEpoch: entry.epoch });
  }

  /** The entry of a request's transactional id when the request's producer id and epoch are current. */
  private current(
    from: NodeId,
    msg: { id: number; transactionalId: string; producerId: number; producerEpoch: number },
  ): TxnEntry | undefined {
    const entry = this.entries.get(msg.transactionalId);
    if (!entry || entry.producerId !== msg.producerId || entry.epoch !== msg.producerEpoch) {
      this.refuse(from, msg.id, 'producer-fenced', entry, msg.producerEpoch);
      return undefined;
    }
    return entry;
  }

  private onAddPartitions(from: NodeId, msg: PlogMessage & { type: 'add-partitions-to-txn' }): void {
    const entry = this.current(from, msg);
    if (!entry) return;
    if (entry.phase === 'prepare-commit' || entry.phase === 'prepare-abort')
      return this.refuse(from, msg.id, 'concurrent-transactions');
    if (entry.phase !== 'ongoing') {
      entry.phase = 'ongoing';
      entry.txnSeq++;
      entry.partitions = [];
      entry.startedAt = this.env.now();
    }
    for (const p of msg.partitions) if (!entry.partitions.includes(p)) entry.partitions.push(p);
    this.persist();
    this.reply(from, msg.id, { txnSeq: entry.txnSeq });
  }

  private onEndTxn(from: NodeId, msg: PlogMessage & { type: 'end-txn' }): void {
    const entry = this.current(from, msg);
    if (!entry) return;
    if (entry.phase === 'ongoing') {
      // Answered once the decision is on disk; the markers follow, again after a restart if need be.
      this.prepare(entry, msg.commit, entry.epoch);
      return this.reply(from, msg.id, {});
    }
    // A retry whose answer was lost (or an empty transaction): the decision stands.
    const decided = entry.phase.endsWith('commit');
    invariant(
      entry.phase === 'empty' || decided === msg.commit,
      'txn-end-consistent',
      () => `${entry.transactionalId}: ${entry.phase}, asked commit=${msg.commit}`,
    );
    this.reply(from, msg.id, {});
  }

  private onMarkerWritten(msg: PlogMessage & { type: 'marker-written' }): void {
    for (const entry of this.entries.values()) {
      if (entry.producerId !== msg.producerId) continue;
      if (entry.epoch !== msg.producerEpoch || entry.txnSeq !== msg.txnSeq) return;
      if (entry.phase !== 'prepare-commit' && entry.phase !== 'prepare-abort') return;
      const at = entry.pending.indexOf(msg.partition);
      if (at < 0) return;
      entry.pending.splice(at, 1);
      if (entry.pending.length === 0) {
        entry.phase = entry.phase === 'prepare-commit' ? 'complete-commit' : 'complete-abort';
        this.env.trace('transaction-complete', {
          transactionalId: entry.transactionalId,
          phase: entry.phase,
        });
      }
      this.persist();
      return;
    }
  }

  snapshot(): TxnCoordinatorSnapshot {
    return {
      transactions: [...this.entries.values()].map((e) => ({
        ...e,
        partitions: [...e.partitions],
        pending: [...e.pending],
      })),
      timedOut: this.timedOut,
      fenced: this.fenced,
    };
  }
}

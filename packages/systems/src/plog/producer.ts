/**
 * A producer as Kafka's Java client behaves: records go to partitions by key (murmur2) or, without a
 * key, to a sticky partition; they wait in per-partition batches (linger, batch size), up to
 * `maxInFlight` requests per broker are outstanding, and failed or timed-out requests are retried. A
 * retry sent while a later batch is already in flight lands behind it — unless the producer is
 * idempotent: then each batch carries the producer id and its first sequence number, and the broker
 * refuses a batch that does not follow the last one (and answers a repeat with where it was written).
 * Every record is recorded for the log checker when invoked and when its outcome is known.
 */
import { invariant, type Env, type NodeId, type SimNode, type TimerId } from '@dslab/sim';
import type { LogRecorder } from '@dslab/check';
import { NullKeyPartitioner, keyPartition, type NullKeyStrategy } from './partitioner';
import { partitionId, type Acks, type PartitionState, type PlogMessage, type ProduceError } from './messages';

export interface ProducerConfig {
  readonly controller: NodeId;
  readonly topic: string;
  readonly acks: Acks;
  readonly idempotent: boolean;
  /** max.in.flight.requests.per.connection (at most 5 with idempotence). */
  readonly maxInFlight: number;
  /** Attempts per batch before its records are given up as unknown. */
  readonly retries: number;
  readonly requestTimeoutMs: number;
  readonly retryBackoffMs: number;
  readonly lingerMs: number;
  readonly batchRecords: number;
  readonly nullKeys: NullKeyStrategy;
  readonly recorder: LogRecorder;
  /** The records to send: called every `intervalMs`; undefined stops the producer. */
  readonly next: (random: () => number) => { key: string | null; value: string } | undefined;
  readonly intervalMs: number;
  /** Called for each record the broker acknowledged (workloads whose next event waits for the last). */
  readonly onAcknowledged?: (value: string) => void;
  /**
   * Transactional (KIP-98; needs idempotence): every `records` sends form a transaction, committed or —
   * with probability `abortShare` — aborted once all its records are acknowledged. The transactional id
   * names the producer across instances: a new instance fences the older ones (its coordinator: `coordinator`).
   */
  readonly transaction?: {
    readonly records: number;
    readonly abortShare: number;
    readonly transactionalId: string;
    readonly coordinator: NodeId;
  };
}

/** Records waiting in one partition's accumulator (or for metadata), past which `send` fails (buffer.memory). */
export const ACCUMULATOR_BOUND = 10_000;

interface Pending {
  readonly key: string | null;
  readonly value: string;
  readonly handle: number;
}

interface Batch {
  readonly partition: number;
  readonly records: readonly Pending[];
  baseSequence: number | undefined;
  attempts: number;
  requestId: number;
  leader: NodeId | undefined;
  timer: TimerId | undefined;
  /** Dropped with its fenced transaction: a retry waiting out its backoff must not send it again. */
  dropped?: boolean;
}

export class Producer implements SimNode<PlogMessage> {
  private partitions: PartitionState[] = [];
  private readonly accumulators = new Map<number, Pending[]>();
  private readonly lingerTimers = new Map<number, TimerId>();
  private readonly ready = new Map<number, Batch[]>();
  private readonly inFlight = new Map<number, Batch>();
  private readonly inFlightPerBroker = new Map<NodeId, number>();
  private readonly nextSequence = new Map<number, number>();
  /** Batches of each partition sent and not yet acknowledged or given up. */
  private readonly unacked = new Map<number, Set<Batch>>();
  private readonly nullKeys: NullKeyPartitioner;
  private readonly unrouted: Pending[] = [];
  private producerId: number | undefined;
  /** The transactional producer's epoch, from InitProducerId; undefined while asking. */
  private producerEpoch: number | undefined;
  private initRequest: { id: number; previous?: { producerId: number; epoch: number } } | undefined;
  /** This instance's InitProducerId nonce; drawn again for each new epoch it asks for. */
  private initNonce = 0;
  /** A newer instance took the transactional id over: this one is a zombie and stops (ProducerFencedException). */
  private fencedOut = false;
  private nextRequestId = 1;
  /** The open transaction: its sends, the partitions the coordinator knows, and its end once asked. */
  private txn: {
    count: number;
    handles: number[];
    /** Where each acknowledged record of the transaction was written, told to the history at its end. */
    written: Map<number, { partition: number; offset: number | undefined }>;
    registered: Set<number>;
    registering: Map<number, number>;
    /** The coordinator's number of this transaction (AddPartitionsToTxn's answer). */
    seq: number | undefined;
    ending: { id: number; commit: boolean } | undefined;
  } = emptyTransaction();
  private stopped = false;
  readonly stats = {
    sent: 0,
    acked: 0,
    unknown: 0,
    retries: 0,
    batches: 0,
    requests: 0,
    sequenceResets: 0,
    committed: 0,
    aborted: 0,
    fenced: 0,
  };

  constructor(
    private readonly env: Env<PlogMessage>,
    private readonly config: ProducerConfig,
  ) {
    this.nullKeys = new NullKeyPartitioner(config.nullKeys, () => env.random());
    this.refreshMetadata();
    env.setTimer(config.intervalMs, () => this.produceNext());
  }

  /** Nothing waiting, nothing in flight. */
  get idle(): boolean {
    if (this.fencedOut) return true;
    if (this.txn.count > 0 || this.txn.ending) return false;
    return this.nothingPending();
  }

  private nothingPending(): boolean {
    if (this.unrouted.length > 0 || this.inFlight.size > 0) return false;
    for (const a of this.accumulators.values()) if (a.length > 0) return false;
    for (const r of this.ready.values()) if (r.length > 0) return false;
    // A batch waiting out its retry backoff is in none of the queues above, but still unacknowledged.
    for (const u of this.unacked.values()) if (u.size > 0) return false;
    return true;
  }

  stop(): void {
    this.stopped = true;
  }

  private refreshMetadata(): void {
    if (this.fencedOut) return;
    this.env.send(this.config.controller, { type: 'metadata', id: 0 });
    if (this.config.transaction) {
      if (this.producerEpoch === undefined && this.initRequest === undefined) this.initTransactions();
    } else if (this.config.idempotent && this.producerId === undefined)
      this.env.send(this.config.controller, { type: 'init-producer', id: 0 });
    this.env.setTimer(500, () => this.refreshMetadata());
  }

  /** InitProducerId for the transactional id, again until answered; `previous` after a timeout fenced us (KIP-360). */
  private initTransactions(previous?: { producerId: number; epoch: number }, retry = false): void {
    const transaction = this.config.transaction;
    if (!transaction || this.fencedOut || this.producerEpoch !== undefined) return;
    if (!retry) this.initNonce = Math.floor(this.env.random() * 2 ** 48);
    const id = this.nextRequestId++;
    this.initRequest = { id, ...(previous ? { previous } : {}) };
    this.env.send(transaction.coordinator, {
      type: 'init-txn-producer',
      id,
      transactionalId: transaction.transactionalId,
      nonce: this.initNonce,
      ...(previous ? { previous } : {}),
    });
    this.env.setTimer(200, () => {
      if (this.initRequest?.id === id) this.initTransactions(previous, true);
    });
  }

  private produceNext(): void {
    if (this.stopped || this.fencedOut) return;
    const transaction = this.config.transaction;
    if (transaction && (this.txn.ending || this.txn.count >= transaction.records)) {
      // The transaction is full: wait for it to end before the next one starts.
      this.maybeEndTransaction();
      this.env.setTimer(this.config.intervalMs, () => this.produceNext());
      return;
    }
    const next = this.config.next(() => this.env.random());
    if (!next) {
      // The workload is over: the last transaction ends once its records are acknowledged.
      this.stopped = true;
      this.maybeEndTransaction();
      return;
    }
    this.send(next.key, next.value);
    this.env.setTimer(this.config.intervalMs, () => this.produceNext());
  }

  private partitionCount(): number {
    let n = 0;
    for (const p of this.partitions) if (p.id.startsWith(this.config.topic + '/')) n++;
    return n;
  }

  /** The application's send. */
  send(key: string | null, value: string): void {
    const handle = this.config.recorder.send(this.env.id, this.config.topic, key, value);
    this.stats.sent++;
    if (this.config.transaction) {
      this.txn.count++;
      this.txn.handles.push(handle);
    }
    this.route({ key, value, handle });
  }

  private route(pending: Pending): void {
    const n = this.partitionCount();
    if (n === 0 || !this.hasProducerId()) {
      // Waiting for metadata (or a producer id) counts against the same buffer bound.
      if (this.unrouted.length >= ACCUMULATOR_BOUND) this.config.recorder.complete(pending.handle, 'fail');
      else this.unrouted.push(pending);
      return;
    }
    const p = pending.key !== null ? keyPartition(pending.key, n) : this.nullKeys.partition(n);
    if (this.config.transaction && !this.txn.registered.has(p) && !this.txn.registering.has(p))
      this.register(p);
    let accumulator = this.accumulators.get(p);
    if (!accumulator) this.accumulators.set(p, (accumulator = []));
    if (accumulator.length >= ACCUMULATOR_BOUND) {
      this.config.recorder.complete(pending.handle, 'fail');
      return;
    }
    accumulator.push(pending);
    if (accumulator.length >= this.config.batchRecords) this.drain(p);
    else if (!this.lingerTimers.has(p))
      this.lingerTimers.set(
        p,
        this.env.setTimer(this.config.lingerMs, () => {
          this.lingerTimers.delete(p);
          this.drain(p);
        }),
      );
  }

  private drain(p: number): void {
    const accumulator = this.accumulators.get(p) ?? [];
    const timer = this.lingerTimers.get(p);
    if (timer !== undefined) {
      this.env.clearTimer(timer);
      this.lingerTimers.delete(p);
    }
    while (accumulator.length > 0) {
      const records = accumulator.splice(0, this.config.batchRecords);
      let baseSequence: number | undefined;
      if (this.config.idempotent) {
        baseSequence = this.nextSequence.get(p) ?? 0;
        this.nextSequence.set(p, baseSequence + records.length);
      }
      this.stats.batches++;
      let queue = this.ready.get(p);
      if (!queue) this.ready.set(p, (queue = []));
      queue.push({
        partition: p,
        records,
        baseSequence,
        attempts: 0,
        requestId: 0,
        leader: undefined,
        timer: undefined,
      });
      this.nullKeys.batchSent(p, this.partitionCount());
    }
    this.sendReady();
  }

  private sendReady(): void {
    for (const [p, queue] of this.ready) {
      // A transaction writes to a partition only once the coordinator knows it is part of it.
      if (this.config.transaction && !this.txn.registered.has(p)) continue;
      while (queue.length > 0) {
        const leader = this.partitions.find((s) => s.id === partitionId(this.config.topic, p))?.leader;
        if (leader === undefined) break;
        if ((this.inFlightPerBroker.get(leader) ?? 0) >= this.config.maxInFlight) break;
        // Idempotent: at most maxInFlight batches of a partition unacknowledged, so a retry always falls
        // inside the broker's window of recent batches.
        const next = queue[0] as Batch;
        if (
          this.config.idempotent &&
          next.attempts === 0 &&
          (this.unacked.get(p)?.size ?? 0) >= this.config.maxInFlight
        )
          break;
        if (next.attempts === 0) {
          let set = this.unacked.get(p);
          if (!set) this.unacked.set(p, (set = new Set()));
          set.add(next);
        }
        this.transmit(queue.shift() as Batch, leader);
      }
    }
  }

  private transmit(batch: Batch, leader: NodeId): void {
    batch.attempts++;
    batch.requestId = this.nextRequestId++;
    batch.leader = leader;
    this.stats.requests++;
    const id = partitionId(this.config.topic, batch.partition);
    this.env.send(leader, {
      type: 'produce',
      id: batch.requestId,
      partition: id,
      acks: this.config.acks,
      records: batch.records.map((r) => ({ key: r.key, value: r.value })),
      ...(batch.baseSequence !== undefined && this.producerId !== undefined
        ? { producerId: this.producerId, baseSequence: batch.baseSequence }
        : {}),
      ...(this.config.transaction
        ? { transactional: true, producerEpoch: this.producerEpoch as number, txnSeq: this.txn.seq as number }
        : {}),
    });
    if (this.config.acks === 0) {
      // Fire and forget: the client counts the send as done the moment it leaves.
      for (const r of batch.records) this.config.recorder.complete(r.handle, 'ok', batch.partition);
      this.stats.acked += batch.records.length;
      return;
    }
    this.inFlight.set(batch.requestId, batch);
    this.inFlightPerBroker.set(leader, (this.inFlightPerBroker.get(leader) ?? 0) + 1);
    batch.timer = this.env.setTimer(this.config.requestTimeoutMs, () => {
      batch.timer = undefined;
      this.settle(batch, 'timeout');
    });
  }

  /**
   * The broker expected an earlier sequence than this batch's. When no earlier batch of the partition is
   * still unacknowledged, the broker lost acknowledged records (an unclean election, a leader that
   * acknowledged too early): as Kafka's producer does since KIP-360, the partition's sequence is reset to
   * what the broker expects and the unacknowledged batches are numbered again from there.
   */
  private outOfOrder(batch: Batch, expected: number): void {
    const p = batch.partition;
    // Every batch of the partition sent and not yet acknowledged: in flight, queued or waiting to retry.
    const pending = [...(this.unacked.get(p) ?? [])].filter((b) => b !== batch);
    const queued = (this.ready.get(p) ?? []).filter((b) => b.attempts === 0);
    const earlier = pending.some(
      (b) => b.attempts > 0 && (b.baseSequence as number) < (batch.baseSequence as number),
    );
    if (!earlier && expected < (batch.baseSequence as number)) {
      this.stats.sequenceResets++;
      let next = expected;
      for (const b of [batch, ...pending, ...queued].sort(
        (x, y) => (x.baseSequence as number) - (y.baseSequence as number),
      )) {
        b.baseSequence = next;
        next += b.records.length;
      }
      this.nextSequence.set(p, next);
    }
    this.settle(batch, 'out-of-order-sequence');
  }

  private settle(batch: Batch, outcome: { baseOffset?: number } | ProduceError | 'timeout'): void {
    if (!this.inFlight.delete(batch.requestId)) return;
    if (batch.timer !== undefined) this.env.clearTimer(batch.timer);
    const leader = batch.leader as NodeId;
    this.inFlightPerBroker.set(leader, (this.inFlightPerBroker.get(leader) ?? 1) - 1);
    const final = typeof outcome === 'object' || batch.attempts >= this.config.retries;
    if (final) this.unacked.get(batch.partition)?.delete(batch);
    if (typeof outcome === 'object') {
      // A duplicate-sequence answer says "written long ago" without saying where.
      const base = outcome.baseOffset;
      batch.records.forEach((r, i) => {
        const offset = base === undefined ? undefined : base + i;
        // A transactional record counts as sent only once its transaction commits; until then the history
        // says unknown, without an offset (a transaction the coordinator aborts is never told to it).
        if (this.config.transaction) this.txn.written.set(r.handle, { partition: batch.partition, offset });
        else this.config.recorder.complete(r.handle, 'ok', batch.partition, offset);
      });
      for (const r of batch.records) this.config.onAcknowledged?.(r.value);
      this.stats.acked += batch.records.length;
    } else if (batch.attempts < this.config.retries) {
      this.stats.retries++;
      if (outcome === 'not-leader') this.env.send(this.config.controller, { type: 'metadata', id: 0 });
      this.env.setTimer(this.config.retryBackoffMs, () => this.requeue(batch));
    } else {
      // Given up: it may have been written by an earlier attempt.
      for (const r of batch.records) this.config.recorder.complete(r.handle, 'unknown', batch.partition);
      this.stats.unknown += batch.records.length;
    }
    this.sendReady();
    this.maybeEndTransaction();
  }

  /** A retried batch goes to the head of its partition's queue (by sequence, when idempotent). */
  private requeue(batch: Batch): void {
    if (batch.dropped) return;
    let queue = this.ready.get(batch.partition);
    if (!queue) this.ready.set(batch.partition, (queue = []));
    let at = 0;
    if (batch.baseSequence !== undefined)
      while (at < queue.length && ((queue[at] as Batch).baseSequence as number) < batch.baseSequence) at++;
    queue.splice(at, 0, batch);
    this.sendReady();
  }

  onMessage(_from: NodeId, msg: PlogMessage): void {
    switch (msg.type) {
      case 'metadata-reply': {
        this.partitions = [...msg.partitions];
        this.flushUnrouted();
        this.sendReady();
        return;
      }
      case 'txn-reply':
        return this.onTransactionAnswer(msg);
      case 'producer-id':
        if (this.producerId === undefined) this.producerId = msg.producerId;
        this.flushUnrouted();
        return;
      case 'produce-reply': {
        const batch = this.inFlight.get(msg.id);
        if (!batch) return;
        if (msg.error === 'producer-fenced') this.fence(false);
        else if (msg.error === 'duplicate-sequence') this.settle(batch, {});
        else if (msg.error === 'out-of-order-sequence' && msg.expectedSequence !== undefined)
          this.outOfOrder(batch, msg.expectedSequence);
        else this.settle(batch, msg.error ?? { baseOffset: msg.baseOffset as number });
        return;
      }
      default:
        return;
    }
  }

  /** AddPartitionsToTxn, again until answered. */
  private register(p: number): void {
    const id = this.nextRequestId++;
    this.txn.registering.set(p, id);
    const transaction = this.config.transaction as NonNullable<ProducerConfig['transaction']>;
    this.env.send(transaction.coordinator, {
      type: 'add-partitions-to-txn',
      id,
      transactionalId: transaction.transactionalId,
      producerId: this.producerId as number,
      producerEpoch: this.producerEpoch as number,
      partitions: [partitionId(this.config.topic, p)],
    });
    this.env.setTimer(200, () => {
      if (this.txn.registering.get(p) === id) this.register(p);
    });
  }

  /** EndTxn once every record of a full (or, stopping, the last) transaction is acknowledged. */
  private maybeEndTransaction(): void {
    const transaction = this.config.transaction;
    if (!transaction || this.txn.ending || this.txn.count === 0) return;
    if (this.txn.count < transaction.records && !this.stopped) return;
    if (!this.nothingPending()) return;
    this.txn.ending = { id: this.nextRequestId++, commit: this.env.random() >= transaction.abortShare };
    this.sendEnd();
  }

  private sendEnd(): void {
    const ending = this.txn.ending;
    const transaction = this.config.transaction;
    if (!ending || !transaction) return;
    this.env.send(transaction.coordinator, {
      type: 'end-txn',
      id: ending.id,
      transactionalId: transaction.transactionalId,
      producerId: this.producerId as number,
      producerEpoch: this.producerEpoch as number,
      commit: ending.commit,
    });
    this.env.setTimer(200, () => {
      if (this.txn.ending?.id === ending.id) this.sendEnd();
    });
  }

  private onTransactionAnswer(msg: PlogMessage & { type: 'txn-reply' }): void {
    const id = msg.id;
    if (this.initRequest?.id === id) {
      if (msg.error === 'concurrent-transactions') {
        // The previous instance's transaction is being aborted: ask again shortly.
        const previous = this.initRequest.previous;
        this.initRequest = undefined;
        this.env.setTimer(50, () => {
          if (this.initRequest === undefined && this.producerEpoch === undefined)
            this.initTransactions(previous, true);
        });
        return;
      }
      this.initRequest = undefined;
      if (msg.error === 'producer-fenced') return this.close();
      this.producerId = msg.producerId as number;
      this.producerEpoch = msg.producerEpoch as number;
      // A new epoch numbers every partition's batches from 0 again.
      this.nextSequence.clear();
      this.flushUnrouted();
      return;
    }
    for (const [p, request] of this.txn.registering)
      if (request === id) {
        if (msg.error === 'producer-fenced') return this.fence(msg.timedOut === true);
        this.txn.registering.delete(p);
        if (msg.error === 'concurrent-transactions') {
          // The previous transaction's markers are still being written.
          this.env.setTimer(50, () => {
            if (!this.txn.registering.has(p) && !this.txn.registered.has(p)) this.register(p);
          });
          return;
        }
        invariant(
          this.txn.seq === undefined || this.txn.seq === msg.txnSeq,
          'one-transaction-at-a-time',
          () => `${this.env.id}: partitions joined transactions ${this.txn.seq} and ${msg.txnSeq}`,
        );
        this.txn.seq = msg.txnSeq;
        this.txn.registered.add(p);
        this.sendReady();
        return;
      }
    const ending = this.txn.ending;
    if (ending?.id !== id) return;
    if (msg.error === 'producer-fenced') return this.fence(msg.timedOut === true);
    this.finishTransaction(ending.commit ? 'ok' : 'aborted');
  }

  /** Tells the history how the transaction ended and starts an empty one. */
  private finishTransaction(outcome: 'ok' | 'aborted' | 'unknown'): void {
    if (outcome === 'ok') this.stats.committed++;
    else if (outcome === 'aborted') this.stats.aborted++;
    for (const handle of this.txn.handles) {
      const at = this.txn.written.get(handle);
      // Where an unknown record went is not known either: it may never have been written.
      if (outcome === 'unknown') this.config.recorder.complete(handle, 'unknown');
      else this.config.recorder.complete(handle, outcome, at?.partition, at?.offset);
    }
    this.txn = emptyTransaction();
  }

  /**
   * A broker or the coordinator refused our epoch: the coordinator bumped it, aborting the transaction we
   * had open (on timeout, or for a newer instance) — unless we had asked to end it and it was committed
   * before a newer instance came: then the outcome is unknown. Every batch of it is dropped. We ask for
   * the next epoch with the one we had; the coordinator grants it only after its own timeout (KIP-360),
   * and a zombie is refused and closes.
   */
  private fence(timedOut: boolean): void {
    if (this.producerEpoch === undefined || this.fencedOut) return;
    this.stats.fenced++;
    this.env.trace('producer-fenced', { epoch: this.producerEpoch, timedOut });
    this.finishTransaction(this.txn.ending && !timedOut ? 'unknown' : 'aborted');
    this.dropBatches();
    const previous = { producerId: this.producerId as number, epoch: this.producerEpoch };
    this.producerEpoch = undefined;
    this.initTransactions(previous);
  }

  private dropBatches(): void {
    for (const set of this.unacked.values()) for (const batch of set) batch.dropped = true;
    for (const queue of this.ready.values()) for (const batch of queue) batch.dropped = true;
    for (const batch of this.inFlight.values())
      if (batch.timer !== undefined) this.env.clearTimer(batch.timer);
    for (const timer of this.lingerTimers.values()) this.env.clearTimer(timer);
    this.inFlight.clear();
    this.inFlightPerBroker.clear();
    this.ready.clear();
    this.accumulators.clear();
    this.lingerTimers.clear();
    this.unacked.clear();
    this.unrouted.length = 0;
    this.nextSequence.clear();
  }

  /** Fenced for good: a newer instance owns the transactional id. */
  private close(): void {
    this.fencedOut = true;
    this.stopped = true;
    this.dropBatches();
    this.env.trace('producer-closed', { reason: 'fenced by a newer instance' });
  }

  /** Idempotent producers wait for their id, transactional ones for their epoch too. */
  private hasProducerId(): boolean {
    if (this.config.transaction) return this.producerEpoch !== undefined;
    return !this.config.idempotent || this.producerId !== undefined;
  }

  private flushUnrouted(): void {
    if (this.partitionCount() === 0 || !this.hasProducerId()) return;
    for (const pending of this.unrouted.splice(0)) this.route(pending);
  }

  snapshot(): unknown {
    return { ...this.stats, inFlight: this.inFlight.size };
  }
}

function emptyTransaction() {
  return {
    count: 0,
    handles: [] as number[],
    written: new Map<number, { partition: number; offset: number | undefined }>(),
    registered: new Set<number>(),
    registering: new Map<number, number>(),
    seq: undefined as number | undefined,
    ending: undefined as { id: number; commit: boolean } | undefined,
  };
}

/**
 * A producer as Kafka's Java client behaves: records go to partitions by key (murmur2) or, without a
 * key, to a sticky partition; they wait in per-partition batches (linger, batch size), up to
 * `maxInFlight` requests per broker are outstanding, and failed or timed-out requests are retried. A
 * retry sent while a later batch is already in flight lands behind it — unless the producer is
 * idempotent: then each batch carries the producer id and its first sequence number, and the broker
 * refuses a batch that does not follow the last one (and answers a repeat with where it was written).
 * Every record is recorded for the log checker when invoked and when its outcome is known.
 */
import type { Env, NodeId, SimNode, TimerId } from '@dslab/sim';
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
   * with probability `abortShare` — aborted once all its records are acknowledged.
   */
  readonly transaction?: { readonly records: number; readonly abortShare: number };
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
  private nextRequestId = 1;
  /** The open transaction: its sends, the partitions the coordinator knows, and its end once asked. */
  private txn: {
    count: number;
    handles: number[];
    /** Where each acknowledged record of the transaction was written, told to the history at its end. */
    written: Map<number, { partition: number; offset: number | undefined }>;
    registered: Set<number>;
    registering: Map<number, number>;
    ending: { id: number; commit: boolean } | undefined;
  } = {
    count: 0,
    handles: [],
    written: new Map(),
    registered: new Set(),
    registering: new Map(),
    ending: undefined,
  };
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
    if (this.txn.count > 0 || this.txn.ending) return false;
    return this.nothingPending();
  }

  private nothingPending(): boolean {
    if (this.unrouted.length > 0 || this.inFlight.size > 0) return false;
    for (const a of this.accumulators.values()) if (a.length > 0) return false;
    for (const r of this.ready.values()) if (r.length > 0) return false;
    return true;
  }

  stop(): void {
    this.stopped = true;
  }

  private refreshMetadata(): void {
    this.env.send(this.config.controller, { type: 'metadata', id: 0 });
    if (this.config.idempotent && this.producerId === undefined)
      this.env.send(this.config.controller, { type: 'init-producer', id: 0 });
    this.env.setTimer(500, () => this.refreshMetadata());
  }

  private produceNext(): void {
    if (this.stopped) return;
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
    if (n === 0 || (this.config.idempotent && this.producerId === undefined)) {
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
      ...(this.config.transaction ? { transactional: true } : {}),
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
      case 'txn-ok':
        return this.onTransactionAnswer(msg.id, msg.aborted === true);
      case 'producer-id':
        if (this.producerId === undefined) this.producerId = msg.producerId;
        this.flushUnrouted();
        return;
      case 'produce-reply': {
        const batch = this.inFlight.get(msg.id);
        if (!batch) return;
        if (msg.error === 'duplicate-sequence') this.settle(batch, {});
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
    this.env.send(this.config.controller, {
      type: 'add-partitions-to-txn',
      id,
      producerId: this.producerId as number,
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
    if (!ending) return;
    this.env.send(this.config.controller, {
      type: 'end-txn',
      id: ending.id,
      producerId: this.producerId as number,
      commit: ending.commit,
    });
    this.env.setTimer(200, () => {
      if (this.txn.ending?.id === ending.id) this.sendEnd();
    });
  }

  private onTransactionAnswer(id: number, abortedByCoordinator: boolean): void {
    for (const [p, request] of this.txn.registering)
      if (request === id) {
        this.txn.registering.delete(p);
        this.txn.registered.add(p);
        this.sendReady();
        return;
      }
    const ending = this.txn.ending;
    if (ending?.id !== id) return;
    if (ending.commit && !abortedByCoordinator) {
      this.stats.committed++;
      for (const handle of this.txn.handles) {
        const at = this.txn.written.get(handle);
        this.config.recorder.complete(handle, 'ok', at?.partition, at?.offset);
      }
    } else {
      this.stats.aborted++;
      for (const handle of this.txn.handles) {
        const at = this.txn.written.get(handle);
        this.config.recorder.complete(handle, 'aborted', at?.partition, at?.offset);
      }
    }
    this.txn = {
      count: 0,
      handles: [],
      written: new Map(),
      registered: new Set(),
      registering: new Map(),
      ending: undefined,
    };
  }

  private flushUnrouted(): void {
    if (this.partitionCount() === 0 || (this.config.idempotent && this.producerId === undefined)) return;
    for (const pending of this.unrouted.splice(0)) this.route(pending);
  }

  snapshot(): unknown {
    return { ...this.stats, inFlight: this.inFlight.size };
  }
}

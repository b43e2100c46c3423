/**
 * A broker: hosts replicas of partitions. As a partition's leader it appends produced records (with the
 * idempotent producers' sequence checks), serves followers and consumers, moves the high watermark to
 * the smallest log end of the in-sync replicas and proposes ISR changes to the controller. As a
 * follower it fetches from the leader and truncates where its log diverged (leader epochs, KIP-101).
 */
import { invariant, type Env, type NodeId, type SimNode } from '@dslab/sim';
import { mutantActive } from '../kit';
import { PartitionLog, type CompactionPolicy, type LogRecord, type RetentionPolicy } from './log';
import {
  partitionId,
  splitPartitionId,
  type Acks,
  type PartitionId,
  type PartitionState,
  type PlogMessage,
  type PlogMutant,
  type ProduceError,
  type ProducedRecord,
} from './messages';
import { loadLogs, persistAll, persistAppend } from './storage';

export interface BrokerConfig {
  readonly controller: NodeId;
  readonly minInsync: number;
  /** A follower that has not caught up for this long leaves the ISR (replica.lag.time.max.ms). */
  readonly replicaLagMs: number;
  readonly segmentRecords: number;
  readonly retention: RetentionPolicy;
  readonly compaction: CompactionPolicy;
  /** Topics with cleanup.policy=compact. */
  readonly compacted: readonly string[];
  readonly mutant?: PlogMutant;
}

const HEARTBEAT_MS = 50;
const REPLICATION_TICK_MS = 5;
const FETCH_RETRY_MS = 60;
const ISR_CHECK_MS = 25;
const CLEANER_MS = 100;
/** An ISR proposal unanswered this long is sent again (the request or its answer was lost). */
const PROPOSAL_TIMEOUT_MS = 200;
/** Records per fetch reply. */
export const FETCH_MAX_RECORDS = 200;
/** acks=all requests waiting for the ISR, per partition: past it the leader refuses new ones. */
export const PENDING_ACKS_BOUND = 1_000;

interface Pending {
  readonly from: NodeId;
  readonly id: number;
  readonly lastOffset: number;
  readonly baseOffset: number;
}

/** A transaction marker appended and waiting for the ISR before the coordinator hears it is written. */
interface PendingMarker {
  readonly from: NodeId;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly txnSeq: number;
  readonly offset: number;
}

/** Markers waiting for the ISR, per partition: the coordinator resends past it. */
export const PENDING_MARKERS_BOUND = 1_000;

interface Replica {
  state: PartitionState | undefined;
  readonly markers: PendingMarker[];
  readonly log: PartitionLog;
  highWatermark: number;
  /** Leader: each follower's log end as its last fetch said, and when it last caught up. */
  readonly followers: Map<NodeId, { offset: number; caughtUpAt: number }>;
  readonly pending: Pending[];
  proposal: { isr: readonly string[]; sentAt: number } | undefined;
  /** Follower: when the outstanding fetch was sent. */
  fetchSentAt: number | undefined;
}

export interface ReplicaSnapshot {
  readonly id: PartitionId;
  readonly role: 'leader' | 'follower' | 'offline';
  readonly epoch: number;
  readonly isr: readonly string[];
  readonly logEnd: number;
  readonly logStart: number;
  readonly highWatermark: number;
  /** The last stable offset: read_committed consumers read below it. */
  readonly lastStable: number;
  /** Transactions open in this replica's log. */
  readonly openTransactions: number;
  readonly records: number;
}

export class Broker implements SimNode<PlogMessage> {
  private readonly replicas = new Map<PartitionId, Replica>();
  readonly incarnation: number;
  /** Records removed from this broker's logs by truncation (a diverged follower, an unclean leader). */
  truncated = 0;

  constructor(
    private readonly env: Env<PlogMessage>,
    private readonly config: BrokerConfig,
  ) {
    const boot = env.disk.read('boot');
    this.incarnation = (boot ? Number(new TextDecoder().decode(boot)) : 0) + 1;
    env.disk.write('boot', new TextEncoder().encode(String(this.incarnation)));
    env.disk.sync();
    for (const [id, log] of loadLogs(env.disk, config.segmentRecords)) {
      // A broker rebuilds its producers' sequence state from the log it recovered; the mutant does not.
      if (mutantActive(config.mutant, 'forget-sequences-on-restart')) log.forgetProducers();
      this.replicas.set(id, this.newReplica(log));
    }
    this.heartbeat();
    this.tick(REPLICATION_TICK_MS, () => this.replicate());
    this.tick(ISR_CHECK_MS, () => this.checkIsr());
    this.tick(CLEANER_MS, () => this.clean());
  }

  private newReplica(log = new PartitionLog(this.config.segmentRecords)): Replica {
    return {
      state: undefined,
      log,
      highWatermark: 0,
      followers: new Map(),
      pending: [],
      markers: [],
      proposal: undefined,
      fetchSentAt: undefined,
    };
  }

  private tick(ms: number, run: () => void): void {
    this.env.setTimer(ms, () => {
      run();
      this.tick(ms, run);
    });
  }

  private heartbeat(): void {
    this.env.send(this.config.controller, { type: 'heartbeat', incarnation: this.incarnation });
    this.env.setTimer(HEARTBEAT_MS, () => this.heartbeat());
  }

  private replica(id: PartitionId): Replica {
    let replica = this.replicas.get(id);
    if (!replica) this.replicas.set(id, (replica = this.newReplica()));
    return replica;
  }

  private isLeader(replica: Replica | undefined): replica is Replica & { state: PartitionState } {
    return replica?.state?.leader === this.env.id;
  }

  onMessage(from: NodeId, msg: PlogMessage): void {
    switch (msg.type) {
      case 'leader-and-isr':
        return this.onLeaderAndIsr(msg.state);
      case 'produce':
        return this.onProduce(
          from,
          msg.id,
          msg.partition,
          msg.acks,
          msg.records,
          msg.producerId,
          msg.baseSequence,
          msg.transactional === true,
          msg.producerEpoch,
          msg.txnSeq,
        );
      case 'replica-fetch':
        return this.onReplicaFetch(from, msg.id, msg.epoch, msg.offset, msg.lastEpoch);
      case 'replica-records':
        return this.onReplicaRecords(from, msg);
      case 'consume-fetch':
        return this.onConsumeFetch(from, msg);
      case 'write-marker':
        return this.onWriteMarker(from, msg);
      default:
        return;
    }
  }

  // ─── Controller decisions ─────────────────────────────────────────────────────────────────────────

  private onLeaderAndIsr(state: PartitionState): void {
    const replica = this.replica(state.id);
    const old = replica.state;
    if (old && (state.epoch < old.epoch || (state.epoch === old.epoch && state.version <= old.version))) {
      // The controller answered our ISR proposal with the state we have: it was refused.
      if (state.epoch === old.epoch && state.version === old.version) replica.proposal = undefined;
      return;
    }
    const wasLeader = this.isLeader(replica);
    const newEpoch = !old || state.epoch !== old.epoch;
    replica.state = state;
    replica.proposal = undefined;
    if (state.leader === this.env.id) {
      if (newEpoch || !wasLeader) {
        replica.followers.clear();
        const now = this.env.now();
        for (const follower of state.replicas)
          if (follower !== this.env.id) replica.followers.set(follower, { offset: 0, caughtUpAt: now });
        this.env.trace('leader', { partition: state.id, epoch: state.epoch, logEnd: replica.log.endOffset });
      }
      this.advanceHighWatermark(replica);
      return;
    }
    if (wasLeader) {
      this.failPending(replica, 'not-leader');
      // The coordinator sends the markers again to the new leader.
      replica.markers.length = 0;
    }
    replica.fetchSentAt = undefined;
  }

  private failPending(replica: Replica, error: 'not-leader' | 'not-enough-replicas-after-append'): void {
    const id = (replica.state as PartitionState).id;
    for (const p of replica.pending.splice(0))
      this.env.send(p.from, { type: 'produce-reply', id: p.id, partition: id, error });
  }

  // ─── Leader: produce ──────────────────────────────────────────────────────────────────────────────

  private onProduce(
    from: NodeId,
    requestId: number,
    id: PartitionId,
    acks: Acks,
    records: readonly ProducedRecord[],
    producerId: number | undefined,
    baseSequence: number | undefined,
    transactional: boolean,
    producerEpoch: number | undefined,
    txnSeq: number | undefined,
  ): void {
    const replica = this.replicas.get(id);
    const reply = (extra: { baseOffset?: number; error?: ProduceError; expectedSequence?: number }): void => {
      if (acks !== 0) this.env.send(from, { type: 'produce-reply', id: requestId, partition: id, ...extra });
    };
    if (!this.isLeader(replica)) return reply({ error: 'not-leader' });
    const { state, log } = replica;
    if (acks === 'all' && state.isr.length < this.config.minInsync)
      return reply({ error: 'not-enough-replicas' });
    if (acks === 'all' && replica.pending.length >= PENDING_ACKS_BOUND)
      return reply({ error: 'not-enough-replicas' });
    let baseOffset = log.endOffset;
    if (producerId !== undefined && baseSequence !== undefined) {
      const forget = mutantActive(this.config.mutant, 'forget-sequences-on-restart');
      let check = log.checkSequence(producerId, baseSequence, forget, producerEpoch ?? 0);
      // An older epoch than the partition has seen is a zombie's (or a timed-out transaction's) batch:
      // refused (KIP-98). The mutant lets it in, where the next commit marker would expose it.
      if (check.kind === 'fenced') {
        if (!mutantActive(this.config.mutant, 'no-epoch-fencing')) return reply({ error: 'producer-fenced' });
        this.env.trace('zombie-append', { partition: id, producerId, epoch: producerEpoch ?? 0 });
        check = { kind: 'append' };
      }
      if (check.kind === 'out-of-order')
        return reply({ error: 'out-of-order-sequence', expectedSequence: check.expected });
      if (check.kind === 'old') return reply({ error: 'duplicate-sequence' });
      if (check.kind === 'duplicate') {
        // A retry of a batch already in the log: answer with where it was written, once it is committed.
        return this.acknowledge(
          replica,
          from,
          requestId,
          acks,
          check.firstOffset,
          check.firstOffset + records.length - 1,
        );
      }
    }
    const now = this.env.now();
    const appended: LogRecord[] = records.map((r, i) => ({
      offset: baseOffset + i,
      key: r.key,
      value: r.value,
      epoch: state.epoch,
      timestamp: now,
      ...(producerId !== undefined && baseSequence !== undefined
        ? { producerId, sequence: baseSequence + i }
        : {}),
      ...(producerEpoch !== undefined ? { producerEpoch } : {}),
      ...(transactional ? { transactional } : {}),
      ...(transactional && txnSeq !== undefined ? { txnSeq } : {}),
    }));
    log.append(appended);
    persistAppend(this.env.disk, id, appended);
    baseOffset = (appended[0] as LogRecord).offset;
    this.acknowledge(replica, from, requestId, acks, baseOffset, log.endOffset - 1);
    this.advanceHighWatermark(replica);
  }

  private acknowledge(
    replica: Replica,
    from: NodeId,
    requestId: number,
    acks: Acks,
    baseOffset: number,
    lastOffset: number,
  ): void {
    const id = (replica.state as PartitionState).id;
    if (acks === 0) return;
    // acks=all waits until every in-sync replica has the batch; the mutant acknowledges at once, as acks=1.
    if (
      acks === 1 ||
      mutantActive(this.config.mutant, 'ack-before-isr') ||
      replica.highWatermark > lastOffset
    ) {
      this.env.send(from, { type: 'produce-reply', id: requestId, partition: id, baseOffset });
      return;
    }
    replica.pending.push({ from, id: requestId, baseOffset, lastOffset });
  }

  /** High watermark = the smallest log end among the leader and its in-sync followers (and a pending larger ISR). */
  private advanceHighWatermark(replica: Replica): void {
    if (!this.isLeader(replica)) return;
    const { state, log } = replica;
    let hw = log.endOffset;
    const members = new Set(state.isr);
    for (const m of replica.proposal?.isr ?? []) members.add(m);
    for (const member of members) {
      if (member === this.env.id) continue;
      const follower = replica.followers.get(member);
      hw = Math.min(hw, follower?.offset ?? 0);
    }
    if (hw > replica.highWatermark) {
      replica.highWatermark = hw;
      invariant(
        hw <= log.endOffset,
        'high-watermark-within-log',
        () => `${state.id}: hw ${hw} > end ${log.endOffset}`,
      );
    }
    this.releaseMarkers(replica);
    if (replica.pending.length === 0) return;
    const still: Pending[] = [];
    for (const p of replica.pending) {
      if (p.lastOffset >= replica.highWatermark) still.push(p);
      else if (state.isr.length < this.config.minInsync)
        this.env.send(p.from, {
          type: 'produce-reply',
          id: p.id,
          partition: state.id,
          error: 'not-enough-replicas-after-append',
        });
      else
        this.env.send(p.from, {
          type: 'produce-reply',
          id: p.id,
          partition: state.id,
          baseOffset: p.baseOffset,
        });
    }
    replica.pending.length = 0;
    for (const p of still) replica.pending.push(p);
  }

  /** Markers the whole ISR has: the coordinator may count them written. */
  private releaseMarkers(replica: Replica): void {
    if (replica.markers.length === 0 || !this.isLeader(replica)) return;
    // As acks=all: a marker only the leader has (the ISR shrank below min.insync.replicas) waits.
    if (replica.state.isr.length < this.config.minInsync) return;
    const id = replica.state.id;
    let kept = 0;
    for (const m of replica.markers) {
      if (m.offset < replica.highWatermark)
        this.env.send(m.from, {
          type: 'marker-written',
          producerId: m.producerId,
          producerEpoch: m.producerEpoch,
          txnSeq: m.txnSeq,
          partition: id,
        });
      else replica.markers[kept++] = m;
    }
    replica.markers.length = kept;
  }

  // ─── Leader: followers and ISR ────────────────────────────────────────────────────────────────────

  private onReplicaFetch(
    from: NodeId,
    id: PartitionId,
    epoch: number,
    offset: number,
    lastEpoch: number,
  ): void {
    const replica = this.replicas.get(id);
    const base = { type: 'replica-records' as const, id, records: [], logStart: 0 };
    if (!this.isLeader(replica) || replica.state.epoch !== epoch) {
      this.env.send(from, { ...base, epoch, highWatermark: 0, error: 'not-leader' });
      return;
    }
    const { log, state } = replica;
    if (lastEpoch >= 0 && offset > log.logStart) {
      const end = log.epochEndFor(lastEpoch);
      if (end.epoch !== lastEpoch || offset > end.endOffset) {
        this.env.send(from, {
          ...base,
          epoch,
          highWatermark: replica.highWatermark,
          logStart: log.logStart,
          diverging: end,
        });
        return;
      }
    }
    const follower = replica.followers.get(from) ?? { offset: 0, caughtUpAt: -Infinity };
    follower.offset = Math.min(offset, log.endOffset);
    if (offset >= log.endOffset) follower.caughtUpAt = this.env.now();
    replica.followers.set(from, follower);
    // A follower back in step rejoins the ISR (it has everything up to the high watermark).
    if (
      !state.isr.includes(from) &&
      offset >= replica.highWatermark &&
      offset >= log.endOffsetFor(state.epoch - 1) &&
      (replica.proposal === undefined || this.env.now() - replica.proposal.sentAt >= PROPOSAL_TIMEOUT_MS)
    )
      this.propose(replica, [...state.isr, from]);
    this.advanceHighWatermark(replica);
    this.env.send(from, {
      ...base,
      epoch,
      records: log.read(offset, FETCH_MAX_RECORDS),
      highWatermark: replica.highWatermark,
      logStart: log.logStart,
    });
  }

  private checkIsr(): void {
    const now = this.env.now();
    for (const replica of this.replicas.values()) {
      if (!this.isLeader(replica)) continue;
      if (replica.proposal && now - replica.proposal.sentAt < PROPOSAL_TIMEOUT_MS) continue;
      const { state } = replica;
      const lagging = state.isr.filter(
        (m) =>
          m !== this.env.id &&
          now - (replica.followers.get(m)?.caughtUpAt ?? -Infinity) > this.config.replicaLagMs,
      );
      if (lagging.length > 0)
        this.propose(
          replica,
          state.isr.filter((m) => !lagging.includes(m)),
        );
    }
  }

  private propose(replica: Replica & { state: PartitionState }, isr: readonly string[]): void {
    replica.proposal = { isr, sentAt: this.env.now() };
    const { state } = replica;
    this.env.send(this.config.controller, {
      type: 'alter-isr',
      id: state.id,
      epoch: state.epoch,
      version: state.version,
      isr,
    });
  }

  // ─── Follower ─────────────────────────────────────────────────────────────────────────────────────

  private replicate(): void {
    const now = this.env.now();
    for (const replica of this.replicas.values()) {
      const state = replica.state;
      if (!state || state.leader === undefined || state.leader === this.env.id) continue;
      if (replica.fetchSentAt !== undefined && now - replica.fetchSentAt < FETCH_RETRY_MS) continue;
      replica.fetchSentAt = now;
      this.env.send(state.leader, {
        type: 'replica-fetch',
        id: state.id,
        epoch: state.epoch,
        offset: replica.log.endOffset,
        lastEpoch: replica.log.lastEpoch,
      });
    }
  }

  private onReplicaRecords(from: NodeId, msg: PlogMessage & { type: 'replica-records' }): void {
    const replica = this.replicas.get(msg.id);
    const state = replica?.state;
    if (!replica || !state || state.leader !== from || state.epoch !== msg.epoch) return;
    replica.fetchSentAt = undefined;
    if (msg.error) return;
    const { log } = replica;
    if (msg.diverging) {
      // Keep only what both logs share: below the leader's end of that epoch and below our own.
      const own = log.epochEndFor(msg.diverging.epoch);
      const to = Math.min(
        msg.diverging.endOffset,
        own.epoch === msg.diverging.epoch ? own.endOffset : log.endOffsetFor(msg.diverging.epoch),
      );
      this.truncated += log.truncateTo(to);
      persistAll(this.env.disk, state.id, log);
      this.env.trace('truncate', { partition: state.id, to });
      return;
    }
    if (log.endOffset < msg.logStart) {
      log.resetTo(msg.logStart);
      persistAll(this.env.disk, state.id, log);
    }
    const fresh = msg.records.filter((r) => r.offset >= log.endOffset);
    if (fresh.length > 0) {
      log.append(fresh);
      persistAppend(this.env.disk, state.id, fresh);
    }
    replica.highWatermark = Math.max(replica.highWatermark, Math.min(msg.highWatermark, log.endOffset));
    if (fresh.length > 0) this.replicate();
  }

  // ─── Consumers ────────────────────────────────────────────────────────────────────────────────────

  private onConsumeFetch(from: NodeId, msg: PlogMessage & { type: 'consume-fetch' }): void {
    const { id: requestId, partition: id, offset, max } = msg;
    const replica = this.replicas.get(id);
    const base = { type: 'consume-records' as const, id: requestId, partition: id, nextOffset: offset };
    if (!this.isLeader(replica)) {
      this.env.send(from, { ...base, records: [], highWatermark: 0, logStart: 0, error: 'not-leader' });
      return;
    }
    const { log } = replica;
    if (offset < log.logStart || offset > log.endOffset) {
      this.env.send(from, {
        ...base,
        records: [],
        highWatermark: replica.highWatermark,
        logStart: log.logStart,
        error: 'out-of-range',
      });
      return;
    }
    // Consumers see only committed records, below the high watermark; read_committed ones only below the
    // last stable offset, and never a record of an aborted transaction. Markers are never returned.
    const limit = msg.readCommitted ? log.lastStableOffset(replica.highWatermark) : replica.highWatermark;
    const examined = log.read(offset, max, limit);
    // The mutant forgets the aborted index: read_committed then hands out aborted transactions' records.
    const skipAborted =
      msg.readCommitted && !mutantActive(this.config.mutant, 'read-committed-returns-aborted');
    const records = examined.filter((r) => r.control === undefined && !(skipAborted && log.isAborted(r)));
    const last = examined[examined.length - 1];
    this.env.send(from, {
      ...base,
      records,
      highWatermark: replica.highWatermark,
      logStart: log.logStart,
      nextOffset: last ? last.offset + 1 : offset,
    });
  }

  // ─── Transactions ─────────────────────────────────────────────────────────────────────────────────

  /**
   * The coordinator's commit or abort marker of one transaction (its producer, epoch and number). It is
   * appended when it closes the producer's open transaction here (or an earlier one a zombie left), or
   * when nothing of the transaction reached this partition: the marker then fences the older epoch's
   * batches still on their way. A marker already written only waits for the ISR; one of a transaction
   * that a later one follows here is stale and answered at once. Answered once the ISR has the marker,
   * as acks=all (the mutant answers at once: a leader failover then loses it).
   */
  private onWriteMarker(from: NodeId, msg: PlogMessage & { type: 'write-marker' }): void {
    const replica = this.replicas.get(msg.partition);
    if (!this.isLeader(replica)) return;
    const { log, state } = replica;
    const written = (): void => this.env.send(from, { type: 'marker-written', ...this.markerIds(msg) });
    const open = log.openTransaction(msg.producerId);
    const lastSeq = log.lastMarkerSeq(msg.producerId);
    if (
      msg.producerEpoch < log.producerEpoch(msg.producerId) ||
      (open ? open.seq > msg.txnSeq : lastSeq > msg.txnSeq)
    )
      return written();
    if (state.isr.length < this.config.minInsync || replica.markers.length >= PENDING_MARKERS_BOUND) return;
    if (open !== undefined || lastSeq < msg.txnSeq) {
      const marker: LogRecord = {
        offset: log.endOffset,
        key: null,
        value: null,
        epoch: state.epoch,
        timestamp: this.env.now(),
        producerId: msg.producerId,
        producerEpoch: msg.producerEpoch,
        txnSeq: msg.txnSeq,
        control: msg.commit ? 'commit' : 'abort',
      };
      log.append([marker]);
      persistAppend(this.env.disk, msg.partition, [marker]);
      this.env.trace('marker', { partition: msg.partition, producerId: msg.producerId, commit: msg.commit });
    }
    const offset = log.lastMarker(msg.producerId);
    if (mutantActive(this.config.mutant, 'marker-before-replication') || offset < replica.highWatermark)
      return written();
    replica.markers.push({
      from,
      producerId: msg.producerId,
      producerEpoch: msg.producerEpoch,
      txnSeq: msg.txnSeq,
      offset,
    });
    this.advanceHighWatermark(replica);
  }

  private markerIds(msg: PlogMessage & { type: 'write-marker' }) {
    return {
      producerId: msg.producerId,
      producerEpoch: msg.producerEpoch,
      txnSeq: msg.txnSeq,
      partition: msg.partition,
    };
  }

  // ─── Cleaning ─────────────────────────────────────────────────────────────────────────────────────

  private clean(): void {
    const now = this.env.now();
    for (const [id, replica] of this.replicas) {
      const topic = splitPartitionId(id).topic;
      const removed = this.config.compacted.includes(topic)
        ? replica.log.compact(now, this.config.compaction)
        : replica.log.applyRetention(now, this.config.retention);
      if (removed > 0) persistAll(this.env.disk, id, replica.log);
    }
  }

  /** This broker's view of one partition (tests and scenarios). */
  log(topic: string, partition: number): PartitionLog | undefined {
    return this.replicas.get(partitionId(topic, partition))?.log;
  }

  snapshot(): ReplicaSnapshot[] {
    const out: ReplicaSnapshot[] = [];
    for (const [id, replica] of this.replicas) {
      const state = replica.state;
      out.push({
        id,
        role: state?.leader === this.env.id ? 'leader' : state?.leader === undefined ? 'offline' : 'follower',
        epoch: state?.epoch ?? -1,
        isr: state?.isr ?? [],
        logEnd: replica.log.endOffset,
        logStart: replica.log.logStart,
        highWatermark: replica.highWatermark,
        lastStable: replica.log.lastStableOffset(replica.highWatermark),
        openTransactions: replica.log.openTransactionCount(),
        records: replica.log.size,
      });
    }
    return out;
  }
}

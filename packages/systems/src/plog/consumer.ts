/**
 * A consumer in a group, as Kafka's client behaves: it joins, heartbeats, takes the partitions the
 * coordinator assigns (giving up revoked ones between polls), starts each from the group's committed
 * offset, fetches from the leaders and processes up to `maxPollRecords` records per poll. It commits
 * after processing (at-least-once) or before (at-most-once). If one poll's processing outlasts
 * `maxPollIntervalMs` it leaves the group, as the client's heartbeat thread does, and its next commit is
 * refused. A record that keeps failing is retried `maxRetries` times, then parked on a dead-letter
 * topic — or, without one, retried for ever, blocking its partition. Every processed record is
 * recorded for the log checker.
 */
import type { Env, NodeId, SimNode } from '@dslab/sim';
import type { LogRecorder } from '@dslab/check';
import { mutantActive } from '../kit';
import type { LogRecord } from './log';
import {
  partitionId,
  splitPartitionId,
  type PartitionId,
  type PartitionState,
  type PlogMessage,
  type PlogMutant,
} from './messages';

export type CommitMode = 'after' | 'before';

export interface ConsumerConfig {
  readonly controller: NodeId;
  readonly group: string;
  readonly topics: readonly string[];
  readonly maxPollRecords: number;
  readonly maxPollIntervalMs: number;
  /** Processing time of one record. */
  readonly processMs: number;
  readonly commit: CommitMode;
  readonly recorder: LogRecorder;
  /** Called for every record processed (the scenarios' ledger of effects). */
  readonly onProcessed?: (record: LogRecord, partition: PartitionId, consumer: NodeId) => void;
  /** A record processing always fails on. */
  readonly isPoison?: (record: LogRecord) => boolean;
  readonly maxRetries: number;
  readonly deadLetterTopic?: string;
  readonly mutant?: PlogMutant;
  /** read_uncommitted (the default) or read_committed. */
  readonly isolation?: 'read_committed' | 'read_uncommitted';
}

const HEARTBEAT_MS = 50;
const LOOP_IDLE_MS = 5;
const FETCH_RETRY_MS = 150;
/** Records buffered per partition before fetching pauses. */
export const FETCH_BUFFER_BOUND = 500;

interface Owned {
  /** The next offset to process. */
  position: number | undefined;
  /** The next offset to fetch. */
  fetchFrom: number;
  readonly buffer: LogRecord[];
  fetchSentAt: number | undefined;
  fetchId: number;
  /** The next recorded poll repositions (a new assignment, a reset). */
  fresh: boolean;
  /** The leader's high watermark at the last fetch: lag = high watermark − position. */
  highWatermark: number;
}

export class Consumer implements SimNode<PlogMessage> {
  private generation = 0;
  private readonly owned = new Map<PartitionId, Owned>();
  private partitions: PartitionState[] = [];
  private pendingAssignment: (PlogMessage & { type: 'assignment' }) | undefined;
  private processing = false;
  private pollStartedAt = 0;
  private leftGroup = false;
  /** An assignment arrived since the last join: heartbeats only then (an earlier one would be refused). */
  private joined = false;
  private joinAttempt = 0;
  /** Applied a revocation and not yet the final assignment of its generation. */
  private awaitingAssignment = false;
  /** A position moved past records nobody processes (markers, aborted records) since the last commit. */
  private skippedAhead = false;
  private nextId = 1;
  private readonly deadLetters = new Map<number, { record: LogRecord; from: PartitionId }>();
  readonly stats = {
    processed: 0,
    polls: 0,
    commitsRefused: 0,
    pollExpiries: 0,
    parked: 0,
    retries: 0,
    idlePolls: 0,
  };

  constructor(
    private readonly env: Env<PlogMessage>,
    private readonly config: ConsumerConfig,
  ) {
    this.join();
    this.metadata();
    this.heartbeat();
    this.loop();
  }

  private metadata(): void {
    this.env.send(this.config.controller, { type: 'metadata', id: 0 });
    this.env.setTimer(300, () => this.metadata());
  }

  /** Joins the group, and again until an assignment arrives (a join can be lost). */
  private join(): void {
    this.joined = false;
    const attempt = ++this.joinAttempt;
    this.env.send(this.config.controller, {
      type: 'join',
      group: this.config.group,
      topics: this.config.topics,
    });
    this.env.setTimer(500, () => {
      if (!this.joined && attempt === this.joinAttempt) this.join();
    });
  }

  private heartbeat(): void {
    if (this.joined && !this.leftGroup)
      this.env.send(this.config.controller, {
        type: 'group-heartbeat',
        group: this.config.group,
        generation: this.generation,
        ...(this.awaitingAssignment ? { awaitingAssignment: true } : {}),
      });
    // max.poll.interval.ms: a poll whose processing runs past it makes the client leave the group.
    if (
      this.processing &&
      !this.leftGroup &&
      this.env.now() - this.pollStartedAt > this.config.maxPollIntervalMs
    ) {
      this.leftGroup = true;
      this.stats.pollExpiries++;
      this.env.send(this.config.controller, { type: 'leave', group: this.config.group });
      this.env.trace('poll-interval-expired', { group: this.config.group });
    }
    this.env.setTimer(HEARTBEAT_MS, () => this.heartbeat());
  }

  /** Partitions this consumer owns now. */
  assigned(): PartitionId[] {
    return [...this.owned.keys()];
  }

  lag(): Record<PartitionId, number> {
    const out: Record<PartitionId, number> = {};
    for (const [id, o] of this.owned)
      out[id] = o.position === undefined ? 0 : Math.max(0, o.highWatermark - o.position);
    return out;
  }

  position(id: PartitionId): number | undefined {
    return this.owned.get(id)?.position;
  }

  // ─── The poll loop ────────────────────────────────────────────────────────────────────────────────

  private loop(): void {
    if (this.pendingAssignment) this.applyAssignment(this.pendingAssignment);
    // Between polls, a partition with nothing buffered is done up to where fetching got: markers and
    // filtered records are passed too, so the committed position reaches the log end.
    for (const o of this.owned.values())
      if (o.position !== undefined && o.buffer.length === 0 && o.fetchFrom > o.position) {
        o.position = o.fetchFrom;
        this.skippedAhead = true;
      }
    if (this.leftGroup) {
      // Back from an expired poll: the group moved on; join again.
      this.leftGroup = false;
      this.dropAll();
      this.join();
    }
    this.fetch();
    const batch: { id: PartitionId; record: LogRecord }[] = [];
    // Round-robin over the owned partitions, one record each per turn, so no partition starves the others.
    for (let taken = true; taken && batch.length < this.config.maxPollRecords;) {
      taken = false;
      for (const [id, o] of this.owned) {
        if (o.buffer.length === 0 || batch.length >= this.config.maxPollRecords) continue;
        batch.push({ id, record: o.buffer.shift() as LogRecord });
        taken = true;
      }
    }
    if (batch.length === 0) {
      // Positions that moved past markers only are committed too, as the client's auto-commit would.
      if (this.skippedAhead && this.config.commit === 'after') this.commit();
      this.skippedAhead = false;
      this.stats.idlePolls++;
      this.env.setTimer(LOOP_IDLE_MS, () => this.loop());
      return;
    }
    this.stats.polls++;
    this.processing = true;
    this.pollStartedAt = this.env.now();
    const commitFirst =
      this.config.commit === 'before' || mutantActive(this.config.mutant, 'commit-before-processing');
    if (commitFirst) {
      // Positions as if the whole batch were done: a crash now loses what is not yet processed.
      const ahead = new Map<PartitionId, number>();
      for (const { id, record } of batch) ahead.set(id, record.offset + 1);
      this.commit(ahead);
    }
    this.processBatch(batch, 0, 0, () => {
      this.processing = false;
      if (!commitFirst) this.commit();
      this.loop();
    });
  }

  private processBatch(
    batch: readonly { id: PartitionId; record: LogRecord }[],
    index: number,
    attempt: number,
    done: () => void,
  ): void {
    const item = batch[index];
    if (!item) return done();
    this.env.setTimer(this.config.processMs, () => {
      const o = this.owned.get(item.id);
      if (!o) {
        // Dropped (the group told us to rejoin): leave it to the next owner.
        this.processBatch(batch, index + 1, 0, done);
        return;
      }
      if (this.config.isPoison?.(item.record)) {
        this.stats.retries++;
        if (attempt < this.config.maxRetries || this.config.deadLetterTopic === undefined) {
          this.processBatch(batch, index, attempt + 1, done);
          return;
        }
        this.park(item.record, item.id);
      } else {
        this.stats.processed++;
        this.config.onProcessed?.(item.record, item.id, this.env.id);
        if (item.record.value !== null) {
          const { topic, partition } = splitPartitionId(item.id);
          this.config.recorder.poll(
            this.env.id,
            topic,
            partition,
            [{ offset: item.record.offset, key: item.record.key, value: item.record.value }],
            {
              group: this.config.group,
              ...(o.fresh ? { reset: true } : {}),
              ...(this.config.isolation ? { isolation: this.config.isolation } : {}),
            },
          );
        }
      }
      o.fresh = false;
      o.position = item.record.offset + 1;
      this.processBatch(batch, index + 1, 0, done);
    });
  }

  private park(record: LogRecord, from: PartitionId): void {
    this.stats.parked++;
    const id = this.nextId++;
    this.deadLetters.set(id, { record, from });
    this.sendDeadLetter(id);
  }

  private sendDeadLetter(id: number): void {
    const letter = this.deadLetters.get(id);
    const topic = this.config.deadLetterTopic;
    if (!letter || topic === undefined) return;
    const leader = this.partitions.find((p) => p.id === partitionId(topic, 0))?.leader;
    if (leader !== undefined)
      this.env.send(leader, {
        type: 'produce',
        id,
        partition: partitionId(topic, 0),
        acks: 'all',
        records: [{ key: letter.record.key, value: letter.record.value }],
      });
    this.env.setTimer(200, () => this.sendDeadLetter(id));
  }

  private commit(offsets?: Map<PartitionId, number>): void {
    const list: { partition: PartitionId; offset: number }[] = [];
    if (offsets) for (const [partition, offset] of offsets) list.push({ partition, offset });
    else
      for (const [partition, o] of this.owned)
        if (o.position !== undefined) list.push({ partition, offset: o.position });
    if (list.length === 0) return;
    const id = this.nextId++;
    // The history records it when the coordinator accepts it (cluster.ts), in the coordinator's order.
    this.env.send(this.config.controller, {
      type: 'commit',
      id,
      group: this.config.group,
      generation: this.generation,
      offsets: list,
    });
  }

  // ─── Assignment ───────────────────────────────────────────────────────────────────────────────────

  private applyAssignment(msg: PlogMessage & { type: 'assignment' }): void {
    this.pendingAssignment = undefined;
    this.generation = msg.generation;
    this.awaitingAssignment = msg.revokeOnly;
    for (const id of [...this.owned.keys()]) if (!msg.partitions.includes(id)) this.owned.delete(id);
    if (msg.revokeOnly) {
      this.env.send(this.config.controller, {
        type: 'revoked',
        group: this.config.group,
        generation: msg.generation,
      });
      return;
    }
    const added = msg.partitions.filter((id) => !this.owned.has(id));
    for (const id of added)
      this.owned.set(id, {
        position: undefined,
        fetchFrom: 0,
        buffer: [],
        fetchSentAt: undefined,
        fetchId: 0,
        fresh: true,
        highWatermark: 0,
      });
    if (added.length > 0) this.askOffsets(added);
  }

  private askOffsets(partitions: readonly PartitionId[]): void {
    this.env.send(this.config.controller, {
      type: 'fetch-offsets',
      id: this.nextId++,
      group: this.config.group,
      partitions,
    });
    // Lost requests are asked again.
    this.env.setTimer(200, () => {
      const missing = partitions.filter((id) => this.owned.get(id)?.position === undefined);
      if (missing.length > 0) this.askOffsets(missing);
    });
  }

  private dropAll(): void {
    this.owned.clear();
  }

  // ─── Fetching ─────────────────────────────────────────────────────────────────────────────────────

  private fetch(): void {
    const now = this.env.now();
    for (const [id, o] of this.owned) {
      if (o.position === undefined || o.buffer.length >= FETCH_BUFFER_BOUND) continue;
      if (o.fetchSentAt !== undefined && now - o.fetchSentAt < FETCH_RETRY_MS) continue;
      const leader = this.partitions.find((p) => p.id === id)?.leader;
      if (leader === undefined) continue;
      o.fetchSentAt = now;
      o.fetchId = this.nextId++;
      this.env.send(leader, {
        type: 'consume-fetch',
        id: o.fetchId,
        partition: id,
        offset: o.fetchFrom,
        max: this.config.maxPollRecords,
        ...(this.config.isolation === 'read_committed' ? { readCommitted: true } : {}),
      });
    }
  }

  onMessage(_from: NodeId, msg: PlogMessage): void {
    switch (msg.type) {
      case 'metadata-reply':
        this.partitions = [...msg.partitions];
        return;
      case 'assignment': {
        // Messages can overtake each other: keep only the newest (a final one over a revocation of its generation).
        const newest = this.pendingAssignment ?? { generation: this.generation, revokeOnly: true };
        if (msg.group !== this.config.group || msg.generation < newest.generation) return;
        if (msg.generation === newest.generation && msg.revokeOnly && !newest.revokeOnly) return;
        this.pendingAssignment = msg;
        this.joined = true;
        return;
      }
      case 'rejoin':
        if (!this.joined) return;
        this.dropAll();
        this.pendingAssignment = undefined;
        this.generation = 0;
        this.join();
        return;
      case 'offsets':
        for (const { partition, offset } of msg.offsets) {
          const o = this.owned.get(partition);
          if (!o || o.position !== undefined) continue;
          o.position = Math.max(0, offset);
          o.fetchFrom = o.position;
        }
        return;
      case 'commit-reply': {
        if (msg.error) this.stats.commitsRefused++;
        return;
      }
      case 'produce-reply':
        if (msg.error === undefined) this.deadLetters.delete(msg.id);
        return;
      case 'consume-records':
        return this.onRecords(msg);
      default:
        return;
    }
  }

  private onRecords(msg: PlogMessage & { type: 'consume-records' }): void {
    const o = this.owned.get(msg.partition);
    if (!o || o.fetchId !== msg.id) return;
    o.fetchSentAt = undefined;
    if (msg.error === 'not-leader') {
      this.env.send(this.config.controller, { type: 'metadata', id: 0 });
      return;
    }
    if (msg.error === 'out-of-range') {
      // auto.offset.reset=earliest: start again from the log start (records before it are gone).
      o.buffer.length = 0;
      o.position = msg.logStart;
      o.fetchFrom = msg.logStart;
      o.fresh = true;
      return;
    }
    o.highWatermark = msg.highWatermark;
    for (const record of msg.records) {
      if (record.offset < o.fetchFrom) continue;
      o.buffer.push(record);
      o.fetchFrom = record.offset + 1;
    }
    // Past markers and records it filtered out (aborted transactions under read_committed).
    if (msg.nextOffset > o.fetchFrom) o.fetchFrom = msg.nextOffset;
  }

  snapshot(): unknown {
    return { ...this.stats, assigned: this.assigned() };
  }
}

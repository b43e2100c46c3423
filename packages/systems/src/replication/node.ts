/**
 * One PostgreSQL-like server: a primary that writes a WAL and streams it, or a standby that receives,
 * flushes and replays it. The same class plays both roles because a standby becomes a primary on
 * promotion and an old primary becomes a standby after a rewind.
 *
 * The commit path follows PostgreSQL's: the record is appended to the WAL; `off` acknowledges at once
 * (the WAL writer flushes later); every other level waits for the local flush (one fsync at a time,
 * later commits grouped behind it); `remote_write`, `on` and `remote_apply` then wait until the
 * synchronous standbys report that position (sync-rep.ts). A commit becomes visible on the primary
 * when it is acknowledged. The walsender sends only flushed WAL; the standby's startup process
 * replays only what the walreceiver has flushed, one record per `replayMs`, and a long query on the
 * standby can hold replay back (max_standby_streaming_delay).
 */
import { invariant, type Env, type NodeId, type SimNode, type TimerId } from '@dslab/sim';
import { mutantActive } from '../kit';
import type {
  ClientRequest,
  CommitLevel,
  ManagerMessage,
  ReplicationMessage,
  ReplicationMutant,
  StreamMessage,
  SyncStandbys,
} from './messages';
import type { ReplicaObserver } from './observer-types';
import { syncedLsn, waitsForStandbys, type StandbyPositions } from './sync-rep';
import { Wal, WAL_START, formatLsn, recordBytes, type WalRecord } from './wal';

/** Commits waiting for a flush or for standbys on one primary, at most. */
export const MAX_COMMIT_WAITERS = 10_000;
/** Reads waiting on one standby for their session's LSN, at most. */
export const MAX_READ_WAITERS = 10_000;
/** Client sessions whose last request id a primary remembers, at most (the map is cleared past it). */
export const MAX_SESSIONS = 10_000;
/** Records in one streaming message, at most. */
export const MAX_WAL_BATCH = 64;

export interface ReplicaConfig {
  readonly manager: NodeId;
  readonly initialPrimary: NodeId;
  readonly sync: SyncStandbys;
  readonly fsyncMs: number;
  /** wal_writer_delay: how soon an `off` commit's record is flushed. */
  readonly walWriterMs: number;
  /** Time to replay one record on a standby. */
  readonly replayMs: number;
  /** The node's periodic work: keepalives, status updates, lease renewal. */
  readonly tickMs: number;
  /** wal_sender_timeout: a standby silent this long no longer counts as connected. */
  readonly senderTimeoutMs: number;
  /** wal_receiver_timeout: a standby that hears nothing this long asks to stream again. */
  readonly receiverTimeoutMs: number;
  /** A primary accepts and acknowledges writes only while it holds the manager's lease. */
  readonly fenced: boolean;
  readonly leaseMs: number;
  readonly renewMs: number;
  readonly observer?: ReplicaObserver;
  readonly mutant?: ReplicationMutant;
}

interface Control {
  readonly role: 'primary' | 'standby';
  readonly timeline: number;
  /** Where each timeline this node has known starts (its first record's start). */
  readonly history: readonly { readonly timeline: number; readonly start: number }[];
  readonly upstream: NodeId | undefined;
}

interface CommitWaiter {
  readonly record: WalRecord;
  readonly level: CommitLevel;
  readonly client: NodeId;
  readonly id: number;
}

interface Sender {
  sentLsn: number;
  lastHeard: number;
  positions: StandbyPositions;
}

interface ReadWaiter {
  readonly client: NodeId;
  readonly id: number;
  readonly key: string;
  readonly also: readonly string[] | undefined;
  readonly minLsn: number;
  readonly timer: TimerId;
}

export interface ReplicaSnapshot {
  readonly role: 'primary' | 'standby' | 'promoting';
  readonly timeline: number;
  readonly write: number;
  readonly flush: number;
  readonly replay: number;
  /** A primary: the highest LSN acknowledged to a client. A standby: its replay position. */
  readonly committed: number;
  readonly upstream: NodeId | undefined;
  readonly leaseValid: boolean;
  readonly commitWaiters: number;
  readonly readWaiters: number;
  readonly records: number;
  /** A primary's view of its standbys (what their status updates said). */
  readonly standbys: readonly ({ readonly id: NodeId; readonly connected: boolean } & StandbyPositions)[];
  readonly replayHeld: boolean;
}

const CONTROL = 'control';

export class ReplicaNode implements SimNode<ReplicationMessage> {
  private control: Control;
  readonly wal: Wal;
  private flushLsn: number;
  private replayLsn: number;
  private committedLsn: number;
  private readonly kv = new Map<string, { value: string; version: number }>();
  private readonly senders = new Map<NodeId, Sender>();
  private waiters: CommitWaiter[] = [];
  private readonly readWaiters: ReadWaiter[] = [];
  private fsyncInFlight = false;
  private walWriterScheduled = false;
  private replayTimer: TimerId | undefined;
  private replayHeldUntil = 0;
  private lastFromUpstream = 0;
  private leaseUntil = 0;
  private lastLeaseRequest = -Infinity;
  private promotingTo: number | undefined;
  /**
   * Each client session's highest request id seen: a duplicated packet must not commit twice. Filled
   * from every record applied too, so a restarted primary or a promoted standby knows it as well.
   */
  private readonly lastRequest = new Map<NodeId, number>();

  constructor(
    private readonly env: Env<ReplicationMessage>,
    private readonly config: ReplicaConfig,
  ) {
    this.control = readControl(env, config);
    this.wal = new Wal(env.disk);
    // Crash recovery: everything on disk is durable and is replayed before the server opens.
    this.flushLsn = this.wal.end();
    for (const record of this.wal.all()) this.apply(record);
    this.replayLsn = this.wal.end();
    this.committedLsn = this.wal.end();
    this.lastFromUpstream = env.monotonic();
    this.tick();
    if (this.control.role === 'standby') this.startReplication();
  }

  // ---- inspection ----

  get role(): 'primary' | 'standby' {
    return this.control.role;
  }

  get timeline(): number {
    return this.control.timeline;
  }

  /** Positions the harness checks: write ≥ flush ≥ replay on a standby. */
  positions(): StandbyPositions {
    return { write: this.wal.end(), flush: this.flushLsn, replay: this.replayLsn };
  }

  /** The value a read here would return now, with the LSN of the record that wrote it. */
  valueOf(key: string): { value: string | null; version: number } {
    const entry = this.kv.get(key);
    return entry ? { value: entry.value, version: entry.version } : { value: null, version: 0 };
  }

  snapshot(): ReplicaSnapshot {
    const now = this.env.monotonic();
    return {
      role: this.promotingTo !== undefined ? 'promoting' : this.control.role,
      timeline: this.control.timeline,
      write: this.wal.end(),
      flush: this.flushLsn,
      replay: this.replayLsn,
      committed: this.control.role === 'primary' ? this.committedLsn : this.replayLsn,
      upstream: this.control.upstream,
      leaseValid: this.leaseValid(),
      commitWaiters: this.waiters.length,
      readWaiters: this.readWaiters.length,
      records: this.wal.length,
      standbys: [...this.senders].map(([id, s]) => ({
        id,
        connected: now - s.lastHeard <= this.config.senderTimeoutMs,
        ...s.positions,
      })),
      replayHeld: now < this.replayHeldUntil,
    };
  }

  /** A long query on this standby: replay waits behind it for `ms` (max_standby_streaming_delay). */
  holdReplay(ms: number): void {
    this.replayHeldUntil = Math.max(this.replayHeldUntil, this.env.monotonic() + ms);
  }

  // ---- messages ----

  onMessage(from: NodeId, msg: ReplicationMessage): void {
    switch (msg.type) {
      case 'write':
        return this.onWrite(from, msg);
      case 'read':
        return this.onRead(from, msg);
      case 'start-replication':
      case 'status':
        return this.onStandbyMessage(from, msg);
      case 'wal':
      case 'rewind':
        return this.onUpstreamMessage(from, msg);
      case 'lease-grant':
      case 'follow':
      case 'position-request':
      case 'promote':
        return this.onManagerMessage(from, msg);
      default:
        return;
    }
  }

  // ---- periodic work ----

  private tick(): void {
    this.env.setTimer(this.config.tickMs, () => this.tick());
    const now = this.env.monotonic();
    if (this.control.role === 'primary' && this.promotingTo === undefined) {
      if (now - this.lastLeaseRequest >= this.config.renewMs) {
        this.lastLeaseRequest = now;
        this.env.send(this.config.manager, {
          type: 'lease-request',
          timeline: this.control.timeline,
          sentAt: now,
        });
      }
      // A keepalive tells each standby where the stream stands, so a lost batch shows up as a gap.
      for (const [id, sender] of this.senders) {
        if (now - sender.lastHeard > this.config.senderTimeoutMs) continue;
        this.env.send(id, {
          type: 'wal',
          timeline: this.control.timeline,
          from: sender.sentLsn,
          records: [],
        });
      }
      if (this.config.fenced && !this.leaseValid()) this.failWaiters();
    } else if (this.control.role === 'standby' && this.control.upstream !== undefined) {
      if (now - this.lastFromUpstream > this.config.receiverTimeoutMs) this.startReplication();
      else this.sendStatus();
    }
  }

  private leaseValid(): boolean {
    return this.env.monotonic() < this.leaseUntil;
  }

  /** Whether this primary may accept or acknowledge a write now. */
  private mayCommit(): boolean {
    if (!this.config.fenced || mutantActive(this.config.mutant, 'no-lease-check')) return true;
    return this.leaseValid();
  }

  // ---- the primary's side ----

  private onWrite(client: NodeId, msg: Extract<ClientRequest, { type: 'write' }>): void {
    // A client's connection is TCP: a request arrives once. The simulated network may duplicate it.
    if (!this.noteRequest(client, msg.id)) return;
    if (this.control.role !== 'primary' || this.promotingTo !== undefined) {
      this.env.send(client, { type: 'write-error', id: msg.id, error: 'read-only' });
      return;
    }
    if (!this.mayCommit()) {
      this.env.send(client, { type: 'write-error', id: msg.id, error: 'fenced' });
      return;
    }
    if (this.waiters.length >= MAX_COMMIT_WAITERS)
      throw new Error(`more than ${MAX_COMMIT_WAITERS} commits waiting on ${this.env.id}`);
    const start = this.wal.end();
    const record: WalRecord = {
      start,
      end: start + recordBytes(msg.key, msg.value),
      timeline: this.control.timeline,
      key: msg.key,
      value: msg.value,
      client,
      request: msg.id,
    };
    this.wal.append(record);
    this.config.observer?.written(this.env.id, record);
    const waiter: CommitWaiter = { record, level: msg.level, client, id: msg.id };
    if (msg.level === 'off') {
      this.acknowledge(waiter);
      this.scheduleWalWriter();
      return;
    }
    this.waiters.push(waiter);
    this.requestFlush();
  }

  private acknowledge(waiter: CommitWaiter): void {
    const { record } = waiter;
    this.apply(record);
    this.committedLsn = Math.max(this.committedLsn, record.end);
    this.config.observer?.acknowledged(this.env.id, record, waiter.level);
    this.env.send(waiter.client, {
      type: 'write-ok',
      id: waiter.id,
      lsn: record.end,
      timeline: record.timeline,
    });
  }

  /** Commits that can no longer be acknowledged: the client learns the outcome is unknown. */
  private failWaiters(): void {
    for (const w of this.waiters)
      this.env.send(w.client, { type: 'write-error', id: w.id, error: 'lease-lost' });
    this.waiters = [];
  }

  private scheduleWalWriter(): void {
    if (this.walWriterScheduled) return;
    this.walWriterScheduled = true;
    this.env.setTimer(this.config.walWriterMs, () => {
      this.walWriterScheduled = false;
      this.requestFlush();
    });
  }

  /** One fsync at a time; records appended meanwhile wait for the next one (group commit). */
  private requestFlush(): void {
    if (this.fsyncInFlight || this.wal.end() === this.flushLsn) return;
    this.fsyncInFlight = true;
    const target = this.wal.end();
    this.env.setTimer(this.config.fsyncMs, () => {
      this.wal.sync();
      this.fsyncInFlight = false;
      this.flushLsn = Math.max(this.flushLsn, target);
      this.onFlushed();
      this.requestFlush();
    });
  }

  private onFlushed(): void {
    if (this.control.role === 'primary') {
      for (const id of this.senders.keys()) this.stream(id);
      this.releaseCommits();
    } else {
      this.sendStatus();
      this.scheduleReplay();
    }
  }

  /** Acknowledges every waiting commit whose level is satisfied now. */
  private releaseCommits(): void {
    if (this.waiters.length === 0) return;
    const connected = this.connectedStandbys();
    const synced = new Map<CommitLevel, number>();
    const reached = (level: CommitLevel): number => {
      let lsn = synced.get(level);
      if (lsn === undefined) synced.set(level, (lsn = syncedLsn(level, this.config.sync, connected)));
      return lsn;
    };
    const kept: CommitWaiter[] = [];
    for (const w of this.waiters) {
      const done =
        w.record.end <= this.flushLsn &&
        (!waitsForStandbys(w.level, this.config.sync) ||
          mutantActive(this.config.mutant, 'ack-on-local-flush') ||
          reached(w.level) >= w.record.end);
      if (!done) kept.push(w);
      else if (this.mayCommit()) this.acknowledge(w);
      else this.env.send(w.client, { type: 'write-error', id: w.id, error: 'lease-lost' });
    }
    this.waiters = kept;
  }

  private connectedStandbys(): Map<NodeId, StandbyPositions> {
    const now = this.env.monotonic();
    const out = new Map<NodeId, StandbyPositions>();
    for (const [id, s] of this.senders)
      if (now - s.lastHeard <= this.config.senderTimeoutMs) out.set(id, s.positions);
    return out;
  }

  private onStandbyMessage(
    from: NodeId,
    msg: Extract<StreamMessage, { type: 'start-replication' | 'status' }>,
  ): void {
    if (this.control.role !== 'primary' || this.promotingTo !== undefined) return;
    const now = this.env.monotonic();
    if (msg.type === 'status') {
      const sender = this.senders.get(from);
      if (!sender) return;
      sender.lastHeard = now;
      sender.positions = { write: msg.write, flush: msg.flush, replay: msg.replay };
      this.releaseCommits();
      return;
    }
    if (msg.timeline > this.control.timeline) return;
    // Where the requester's history leaves ours: the start of our first timeline after its own.
    let fork = Infinity;
    for (const h of this.control.history) if (h.timeline > msg.timeline) fork = Math.min(fork, h.start);
    fork = Math.min(fork, this.wal.end());
    if (msg.from > fork) {
      this.senders.delete(from);
      this.env.send(from, { type: 'rewind', timeline: this.control.timeline, forkLsn: fork });
      return;
    }
    this.senders.set(from, {
      sentLsn: msg.from,
      lastHeard: now,
      positions: { write: msg.from, flush: msg.from, replay: 0 },
    });
    this.stream(from);
  }

  /** Sends a standby everything flushed past what it was sent. */
  private stream(id: NodeId): void {
    const sender = this.senders.get(id);
    if (!sender) return;
    while (sender.sentLsn < this.flushLsn) {
      const batch = this.wal.from(sender.sentLsn, MAX_WAL_BATCH);
      invariant(batch !== undefined, 'a walsender starts at a record boundary', () => {
        return `${this.env.id} has no record starting at ${formatLsn(sender.sentLsn)} for ${id}`;
      });
      const records = batch.filter((r) => r.end <= this.flushLsn);
      if (records.length === 0) break;
      this.env.send(id, { type: 'wal', timeline: this.control.timeline, from: sender.sentLsn, records });
      sender.sentLsn = (records[records.length - 1] as WalRecord).end;
    }
  }

  // ---- the standby's side ----

  private startReplication(): void {
    const upstream = this.control.upstream;
    if (upstream === undefined) return;
    this.lastFromUpstream = this.env.monotonic();
    this.env.send(upstream, {
      type: 'start-replication',
      timeline: this.control.timeline,
      from: this.wal.end(),
    });
  }

  private sendStatus(): void {
    const upstream = this.control.upstream;
    if (upstream === undefined || this.control.role !== 'standby') return;
    this.env.send(upstream, {
      type: 'status',
      timeline: this.control.timeline,
      write: this.wal.end(),
      flush: this.flushLsn,
      replay: this.replayLsn,
    });
  }

  private onUpstreamMessage(from: NodeId, msg: Extract<StreamMessage, { type: 'wal' | 'rewind' }>): void {
    if (this.control.role !== 'standby' || this.promotingTo !== undefined) return;
    if (from !== this.control.upstream) return;
    this.lastFromUpstream = this.env.monotonic();
    if (msg.type === 'rewind') return this.rewind(msg.forkLsn, msg.timeline);
    if (msg.timeline < this.control.timeline) return;
    if (msg.timeline > this.control.timeline) this.setControl({ ...this.control, timeline: msg.timeline });
    let appended = false;
    let at = msg.from;
    for (const record of msg.records) {
      at = record.end;
      const end = this.wal.end();
      if (record.end <= end) continue; // already have it (a duplicate or a resend)
      if (record.start !== end) {
        if (mutantActive(this.config.mutant, 'accept-wal-gap')) {
          this.receive(record, end, true);
          appended = true;
          continue;
        }
        break; // a gap: something before it was lost
      }
      this.receive(record, end, false);
      appended = true;
    }
    if (appended) {
      this.requestFlush();
      this.sendStatus();
    }
    // The stream is ahead of what we hold (a lost batch, seen in this batch or in a keepalive): ask again.
    const behind = msg.records.length === 0 ? msg.from > this.wal.end() : at > this.wal.end();
    if (behind && !mutantActive(this.config.mutant, 'gap-never-rerequested')) this.startReplication();
  }

  private receive(record: WalRecord, previousEnd: number, unchecked: boolean): void {
    const last = this.wal.at(this.wal.length - 1);
    if (last && record.timeline > last.timeline)
      this.setControl({
        ...this.control,
        history: [...this.control.history, { timeline: record.timeline, start: record.start }],
      });
    if (unchecked) this.wal.appendUnchecked(record);
    else this.wal.append(record);
    this.config.observer?.received(this.env.id, record, previousEnd);
  }

  /** pg_rewind: drop our WAL past the fork, rebuild the state from what is left, stream again. */
  private rewind(forkLsn: number, timeline: number): void {
    const dropped = this.wal.truncate(forkLsn);
    this.config.observer?.rewound(this.env.id, dropped);
    this.env.trace('rewind', { forkLsn, dropped: dropped.length });
    this.kv.clear();
    for (const record of this.wal.all()) this.apply(record);
    this.flushLsn = this.wal.end();
    this.replayLsn = this.wal.end();
    this.setControl({
      ...this.control,
      timeline,
      history: this.control.history.filter((h) => h.start <= forkLsn || h.timeline === 1),
    });
    this.startReplication();
  }

  private scheduleReplay(): void {
    if (this.replayTimer !== undefined) return;
    const limit = mutantActive(this.config.mutant, 'replay-past-flush') ? this.wal.end() : this.flushLsn;
    if (this.replayLsn >= limit) return;
    const now = this.env.monotonic();
    const held = this.promotingTo === undefined ? Math.max(0, this.replayHeldUntil - now) : 0;
    this.replayTimer = this.env.setTimer(held + this.config.replayMs, () => {
      this.replayTimer = undefined;
      const next = this.wal.at(this.wal.indexAfter(this.replayLsn));
      if (next) {
        this.apply(next);
        this.replayLsn = next.end;
        this.answerReadWaiters();
        this.sendStatus();
      }
      if (this.promotingTo !== undefined && this.replayLsn >= this.wal.end()) this.finishPromotion();
      else this.scheduleReplay();
    });
  }

  private apply(record: WalRecord): void {
    const current = this.kv.get(record.key);
    if (!current || current.version < record.end)
      this.kv.set(record.key, { value: record.value, version: record.end });
    if (record.client !== undefined) this.noteRequest(record.client, record.request as number);
  }

  /** Notes that `client`'s request `id` was seen; false when it (or a later one) was already. */
  private noteRequest(client: NodeId, id: number): boolean {
    if (id <= (this.lastRequest.get(client) ?? 0)) return false;
    if (this.lastRequest.size >= MAX_SESSIONS) this.lastRequest.clear();
    this.lastRequest.set(client, id);
    return true;
  }

  // ---- reads ----

  private onRead(client: NodeId, msg: Extract<ClientRequest, { type: 'read' }>): void {
    const position = this.control.role === 'primary' ? this.committedLsn : this.replayLsn;
    if (position >= msg.minLsn || mutantActive(this.config.mutant, 'read-without-lsn-wait'))
      return this.answerRead(client, msg.id, msg.key, msg.also);
    if (this.readWaiters.length >= MAX_READ_WAITERS) {
      this.env.send(client, { type: 'read-error', id: msg.id, error: 'lsn-timeout' });
      return;
    }
    const timer = this.env.setTimer(msg.waitMs, () => {
      const index = this.readWaiters.findIndex((w) => w.timer === timer);
      if (index >= 0) this.readWaiters.splice(index, 1);
      this.env.send(client, { type: 'read-error', id: msg.id, error: 'lsn-timeout' });
    });
    this.readWaiters.push({ client, id: msg.id, key: msg.key, also: msg.also, minLsn: msg.minLsn, timer });
  }

  /** Answers from the state as it stands: every key of one request from the same snapshot. */
  private answerRead(client: NodeId, id: number, key: string, also: readonly string[] | undefined): void {
    const { value, version } = this.valueOf(key);
    const position = this.control.role === 'primary' ? this.committedLsn : this.replayLsn;
    this.env.send(client, {
      type: 'read-ok',
      id,
      value,
      version,
      position,
      ...(also ? { also: also.map((k) => this.valueOf(k).value) } : {}),
    });
  }

  private answerReadWaiters(): void {
    for (let i = this.readWaiters.length - 1; i >= 0; i--) {
      const w = this.readWaiters[i] as ReadWaiter;
      if (w.minLsn > this.replayLsn) continue;
      this.readWaiters.splice(i, 1);
      this.env.clearTimer(w.timer);
      this.answerRead(w.client, w.id, w.key, w.also);
    }
  }

  // ---- the failover manager ----

  private onManagerMessage(from: NodeId, msg: ManagerMessage): void {
    if (from !== this.config.manager) return;
    switch (msg.type) {
      case 'lease-grant':
        if (this.control.role === 'primary')
          this.leaseUntil = Math.max(this.leaseUntil, msg.sentAt + msg.leaseMs);
        return;
      case 'position-request':
        this.env.send(from, {
          type: 'position',
          epoch: msg.epoch,
          timeline: this.control.timeline,
          flush: this.flushLsn,
        });
        return;
      case 'promote':
        return this.promote(msg.timeline);
      case 'follow':
        return this.follow(msg.primary, msg.timeline);
      default:
        return;
    }
  }

  private promote(timeline: number): void {
    if (this.control.role === 'primary') {
      // Already a primary (promoted in an epoch the manager has since given up on): take the new timeline.
      if (this.control.timeline < timeline)
        this.setControl({
          ...this.control,
          timeline,
          history: [...this.control.history, { timeline, start: this.wal.end() }],
        });
      if (this.control.timeline === timeline)
        this.config.observer?.promoted(this.env.id, timeline, this.wal.end());
      this.env.send(this.config.manager, {
        type: 'promoted',
        timeline: this.control.timeline,
        forkLsn: this.forkOf(this.control.timeline),
      });
      return;
    }
    if (this.promotingTo !== undefined) return;
    this.promotingTo = timeline;
    this.env.trace('promoting', { timeline });
    // Stop streaming; what is written but not yet flushed is flushed now and replayed before opening.
    this.wal.sync();
    this.flushLsn = this.wal.end();
    if (this.replayLsn >= this.wal.end()) this.finishPromotion();
    else this.scheduleReplay();
  }

  private finishPromotion(): void {
    const timeline = this.promotingTo;
    if (timeline === undefined) return;
    this.promotingTo = undefined;
    const fork = this.wal.end();
    this.setControl({
      role: 'primary',
      timeline,
      history: [...this.control.history, { timeline, start: fork }],
      upstream: undefined,
    });
    this.committedLsn = fork;
    this.senders.clear();
    this.leaseUntil = 0;
    this.lastLeaseRequest = -Infinity;
    this.config.observer?.promoted(this.env.id, timeline, fork);
    this.env.trace('promoted', { timeline, forkLsn: fork });
    this.env.send(this.config.manager, { type: 'promoted', timeline, forkLsn: fork });
    // Reads that waited for an LSN this node will now never replay from upstream: answer what it has.
    for (const w of this.readWaiters.splice(0)) {
      this.env.clearTimer(w.timer);
      this.answerRead(w.client, w.id, w.key, w.also);
    }
  }

  private forkOf(timeline: number): number {
    for (const h of this.control.history) if (h.timeline === timeline) return h.start;
    return WAL_START;
  }

  private follow(primary: NodeId, timeline: number): void {
    if (primary === this.env.id || this.promotingTo !== undefined) return;
    if (this.control.role === 'primary') {
      if (timeline <= this.control.timeline) return;
      // Demoted: nothing waiting here will be acknowledged; become a standby of the new primary.
      this.failWaiters();
      this.wal.sync();
      this.flushLsn = this.wal.end();
      this.replayLsn = this.wal.end();
      // A standby's state is the replay of its whole WAL, commits never acknowledged included.
      this.kv.clear();
      for (const record of this.wal.all()) this.apply(record);
      this.senders.clear();
      this.leaseUntil = 0;
      this.env.trace('demoted', { primary, timeline });
    } else if (this.control.upstream === primary) return;
    this.setControl({ ...this.control, role: 'standby', upstream: primary });
    this.startReplication();
  }

  private setControl(control: Control): void {
    this.control = control;
    this.env.disk.write(CONTROL, new TextEncoder().encode(JSON.stringify(control)));
    this.env.disk.sync();
  }
}

function readControl(env: Env<ReplicationMessage>, config: ReplicaConfig): Control {
  const stored = env.disk.read(CONTROL);
  if (stored) return JSON.parse(new TextDecoder().decode(stored)) as Control;
  const control: Control = {
    role: env.id === config.initialPrimary ? 'primary' : 'standby',
    timeline: 1,
    history: [{ timeline: 1, start: WAL_START }],
    upstream: env.id === config.initialPrimary ? undefined : config.initialPrimary,
  };
  env.disk.write(CONTROL, new TextEncoder().encode(JSON.stringify(control)));
  env.disk.sync();
  return control;
}

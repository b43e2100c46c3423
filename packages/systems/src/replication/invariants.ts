/**
 * Safety properties of leader–follower replication, checked after every event from what the harness
 * recorded itself (every record a primary wrote, every promotion) and from the replicas' positions —
 * never by asking the code under test whether it behaved.
 */
import type { NodeId, World } from '@dslab/sim';
import type { CommitLevel, SyncStandbys } from './messages';
import type { ReplicaObserver } from './observer-types';
import { positionFor, type StandbyPositions } from './sync-rep';
import { formatLsn, type WalRecord } from './wal';

export const INVARIANTS = {
  /** On every standby replay ≤ flush ≤ write: nothing is replayed before it is durable. */
  positionsOrdered: 'a standby replays only what it has flushed',
  /** A standby's log is contiguous and each record is the one a primary wrote at that LSN. */
  walMatches: "a standby's WAL is a copy of its primary's",
  /** A commit at remote_write / on / remote_apply is acknowledged only once enough synchronous standbys really are there. */
  syncAck: 'synchronous commits wait for their standbys',
  /** Fenced clusters only: once a newer timeline's primary exists, no older one acknowledges a write. */
  singleWriter: 'no write acknowledged on a superseded timeline',
} as const;

/** Final check: after the heal every standby has replayed everything the primary flushed. */
export const CATCH_UP_CHECK = 'standbys catch up after heal';
/** Final check: with synchronous commit and fencing, no acknowledged write is missing from the final primary. */
export const DURABILITY_CHECK = 'acknowledged writes survive failover';
/** Final check: the clients' sessions kept read-your-writes and monotonic reads. */
export const SESSION_CHECK = 'session guarantees';

export interface ObserverOptions {
  readonly sync: SyncStandbys;
  /** Register the single-writer invariant (only meaningful when primaries are fenced). */
  readonly fenced: boolean;
  readonly positionsOf: (id: NodeId) => StandbyPositions | undefined;
}

export class ReplicationObserver implements ReplicaObserver {
  readonly problems: Record<string, string | undefined> = {};
  /** Every record any primary wrote, by `timeline:start`. */
  private readonly records = new Map<string, WalRecord>();
  /** Written value → its commit LSN (values are unique per write): the session checker's version order. */
  readonly versions = new Map<string, number>();
  /** When the record starting at each LSN was written (the newest timeline's, after a failover). */
  readonly writtenAt = new Map<number, number>();
  /** Promotions the harness saw: node, timeline and when. */
  readonly promotions: { node: NodeId; timeline: number; forkLsn: number; at: number }[] = [];
  /** Acknowledgements by timeline (count, and the time of the last). */
  readonly acks: { node: NodeId; timeline: number; lsn: number; level: CommitLevel; at: number }[] = [];
  /** Records thrown away by rewinds. */
  readonly rewinds: { node: NodeId; records: number; at: number }[] = [];
  private newestTimeline = 1;

  constructor(
    private readonly world: World,
    private readonly options: ObserverOptions,
  ) {}

  private report(name: string, problem: string): void {
    this.problems[name] ??= problem;
  }

  written(node: NodeId, record: WalRecord): void {
    this.records.set(`${record.timeline}:${record.start}`, record);
    this.versions.set(record.value, record.end);
    this.writtenAt.set(record.start, this.world.now());
  }

  /** How long ago the oldest record a node has not replayed was written (0 when it is up to date). */
  replayLagMs(replay: number, primaryEnd: number): number {
    if (replay >= primaryEnd) return 0;
    const at = this.writtenAt.get(replay);
    return at === undefined ? 0 : this.world.now() - at;
  }

  received(node: NodeId, record: WalRecord, previousEnd: number): void {
    if (record.start !== previousEnd)
      this.report(
        INVARIANTS.walMatches,
        `${node} appended [${formatLsn(record.start)}, ${formatLsn(record.end)}) after its log ended at ${formatLsn(previousEnd)}: a gap`,
      );
    const original = this.records.get(`${record.timeline}:${record.start}`);
    if (
      !original ||
      original.end !== record.end ||
      original.value !== record.value ||
      original.key !== record.key
    )
      this.report(
        INVARIANTS.walMatches,
        `${node} holds ${record.key}=${record.value} at ${formatLsn(record.start)} on timeline ${record.timeline}, which no primary wrote there`,
      );
  }

  acknowledged(node: NodeId, record: WalRecord, level: CommitLevel): void {
    const at = this.world.now();
    if (this.acks.length < 200_000)
      this.acks.push({ node, timeline: record.timeline, lsn: record.end, level, at });
    if (this.options.fenced && record.timeline < this.newestTimeline)
      this.report(
        INVARIANTS.singleWriter,
        `${node} acknowledged ${record.key}=${record.value} on timeline ${record.timeline} at ${at.toFixed(1)} ms, after timeline ${this.newestTimeline} was promoted`,
      );
    const sync = this.options.sync;
    // Acknowledgements on a superseded timeline are split brain, judged above (or measured, unfenced).
    if (record.timeline < this.newestTimeline) return;
    if (level === 'off' || level === 'local' || sync.count === 0 || sync.names.length === 0) return;
    // Where the named standbys really are now (positions only grow between a report and this moment,
    // except a crash's unflushed write, which is why remote_write is judged on flush-free terms too).
    let there = 0;
    for (const id of sync.names) {
      if (id === node) continue;
      const p = this.options.positionsOf(id);
      if (p && positionFor(level, p) >= record.end) there++;
    }
    if (there < sync.count && level !== 'remote_write')
      this.report(
        INVARIANTS.syncAck,
        `${node} acknowledged ${record.key}=${record.value} at ${formatLsn(record.end)} (${level}) with ${there} of the ${sync.count} synchronous standbys there`,
      );
  }

  promoted(node: NodeId, timeline: number, forkLsn: number): void {
    this.newestTimeline = Math.max(this.newestTimeline, timeline);
    this.promotions.push({ node, timeline, forkLsn, at: this.world.now() });
  }

  rewound(node: NodeId, dropped: readonly WalRecord[]): void {
    this.rewinds.push({ node, records: dropped.length, at: this.world.now() });
  }

  install(dataNodes: readonly NodeId[]): void {
    this.world.addInvariant(INVARIANTS.positionsOrdered, () => {
      for (const id of dataNodes) {
        if (!this.world.isUp(id)) continue;
        const p = this.options.positionsOf(id);
        if (p && !(p.replay <= p.flush && p.flush <= p.write))
          return `${id}: replay ${formatLsn(p.replay)}, flush ${formatLsn(p.flush)}, write ${formatLsn(p.write)}`;
      }
      return undefined;
    });
    const names: string[] = [INVARIANTS.walMatches, INVARIANTS.syncAck];
    if (this.options.fenced) names.push(INVARIANTS.singleWriter);
    for (const name of names) this.world.addInvariant(name, () => this.problems[name]);
  }
}

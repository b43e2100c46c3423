/** What a replica tells the harness as it works; the harness checks it against its own records (invariants.ts). */
import type { NodeId } from '@dslab/sim';
import type { CommitLevel } from './messages';
import type { WalRecord } from './wal';

export interface ReplicaObserver {
  /** A primary appended a record of its own. */
  written(node: NodeId, record: WalRecord): void;
  /** A standby appended a record it received; `previousEnd` is where its log ended before. */
  received(node: NodeId, record: WalRecord, previousEnd: number): void;
  /** A primary acknowledged the commit of `record` to a client at `level`. */
  acknowledged(node: NodeId, record: WalRecord, level: CommitLevel): void;
  /** A standby became primary of `timeline`, its history forking at `forkLsn`. */
  promoted(node: NodeId, timeline: number, forkLsn: number): void;
  /** A node discarded these records past its fork point (pg_rewind). */
  rewound(node: NodeId, dropped: readonly WalRecord[]): void;
}

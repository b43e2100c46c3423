/** The engine's state as plain data: tuples, transactions, waits (for the lab, traces and tests). */
import type { IsolationLevel, Row, RowLockMode } from './statements';
import type { Xid } from './xid';

export const mvccMutants = ['no-first-updater-wins', 'ssi-no-rw-tracking', 'dirty-snapshot'] as const;
export type MvccMutant = (typeof mvccMutants)[number];

/** How a deadlock is resolved once found. */
export type DeadlockVictimRule = 'detector' | 'least-work';

export interface EngineOptions {
  /** Size of the transaction id space (2^32 in PostgreSQL). */
  readonly xidSpace: number;
  /** Waiting this long runs the deadlock check (deadlock_timeout, 1 s by default). */
  readonly deadlockTimeoutMs: number;
  /** 'detector': PostgreSQL's rule, the waiter whose check found the cycle aborts; 'least-work': the
   * transaction in the cycle that did the least work (another engine's rule). */
  readonly deadlockVictim: DeadlockVictimRule;
  /** Default lock_timeout of a session (0: wait forever). */
  readonly lockTimeoutMs: number;
  /** VACUUM freezes tuples whose xmin is older than this (vacuum_freeze_min_age). */
  readonly freezeMinAge: number;
  /** Past this age of the oldest unfrozen xid an anti-wraparound vacuum is forced (autovacuum_freeze_max_age). */
  readonly freezeMaxAge: number;
  /** Ids left before wraparound at which new ids are refused (3 million in PostgreSQL 15). */
  readonly stopMargin: number;
  /** Ids left before wraparound at which every new id warns (40 million in PostgreSQL 15). */
  readonly warnMargin: number;
  /** Refuse new ids near wraparound (PostgreSQL always does; off shows what the refusal prevents). */
  readonly wraparoundProtection: boolean;
  /** Tuple SIREAD locks one transaction may hold on a page before they become one page lock. */
  readonly maxPredLocksPerPage: number;
  readonly mutant?: MvccMutant;
}

export const defaultEngineOptions: EngineOptions = {
  xidSpace: 2 ** 32,
  deadlockTimeoutMs: 1000,
  deadlockVictim: 'detector',
  lockTimeoutMs: 0,
  freezeMinAge: 50_000_000,
  freezeMaxAge: 200_000_000,
  stopMargin: 3_000_000,
  warnMargin: 40_000_000,
  wraparoundProtection: true,
  maxPredLocksPerPage: 2,
};

/** One heap tuple (a row version) as the lab draws it. */
export interface TupleView {
  readonly table: string;
  readonly tid: number;
  readonly values: Row;
  readonly xmin: Xid;
  readonly xmax: Xid;
  /** Tid of the newer version (ctid), when this one was updated. */
  readonly next?: number;
  readonly frozen: boolean;
  /** Row locks held on this version: xid → strength. */
  readonly lockers: Readonly<Record<string, RowLockMode>>;
  /** live | dead (no snapshot can see it: VACUUM may remove it) | recently dead (some snapshot may) |
   * inserting | deleting (writer in progress) | aborted. */
  readonly state: 'live' | 'dead' | 'recently dead' | 'inserting' | 'deleting' | 'aborted';
}

export interface SnapshotView {
  readonly xmin: Xid;
  readonly xmax: Xid;
  readonly xip: readonly Xid[];
}

export interface TxnView {
  readonly session: string;
  readonly vxid: number;
  readonly xid?: Xid;
  readonly level: IsolationLevel;
  readonly state: 'active' | 'failed';
  readonly snapshot?: SnapshotView;
  readonly work: number;
  readonly startedAt: number;
  readonly doomed?: boolean;
}

/** An edge of the wait-for graph: `waiter` waits for `holder`. */
export interface WaitEdge {
  readonly waiter: string;
  readonly holder: string;
  readonly what: string;
  readonly since: number;
}

export interface VacuumReport {
  readonly table: string;
  readonly removed: number;
  /** Dead to some transactions, still visible to an open snapshot: kept. */
  readonly keptRecentlyDead: number;
  readonly frozen: number;
  readonly oldestXmin: Xid;
  readonly relfrozenxid: Xid;
}

export * from './contract';
export { systems, findSystem } from './registry';
export { systemEntries, systemEntry, loadSystem, type SystemEntry } from './lazy-registry';
export { faultSchema, faultCommandSchema, faultScriptSchema } from './fault-schema';
export { ConsistentHashRing } from './hashring';
export { buildRaftCluster, raftParams, RaftNode, raftMutants } from './raft';
export type { RaftLiveDetail, RaftServerDetail, RaftClientDetail } from './raft/view-detail';
export { catalog, catalogRow, trackOf, type CatalogRow, type CatalogStatus } from './catalog';
export { formatValue } from './format';
export { BloomFilter } from './bloom/bloom-filter';
export { measuredFalsePositiveRate, strangers } from './bloom/measure';
export { CuckooFilter } from './bloom/cuckoo';
export { CountMinSketch } from './countmin/count-min';
export { HyperLogLog } from './hyperloglog/hyperloglog';
export {
  moduloPlacement,
  ringPlacement,
  jumpPlacement,
  rendezvousPlacement,
  type Placement,
} from './hashring/placement';
export { keySlot, SLOT_COUNT } from './hashring/slots';
export {
  loadPerNode,
  loadSpread,
  movedKeys,
  movedFraction,
  type MembershipChange,
} from './hashring/measures';
export { slotRanges, slotMaster, type SlotRange } from './hashring/slot-ranges';
export { BPlusTree } from './btree/tree';
export { LsmTree, writeAmplification } from './lsm/lsm';
export * from './kv-protocol';
export {
  mutantActive,
  validateMutant,
  judgeHistory,
  simulatedSystem,
  standardNemesis,
  HISTORY_CHECK,
  type SimulationSpec,
  type FuzzSpec,
  type FinalCheck,
  type Simulated,
  type HistoryJudge,
} from './kit';
export * as rateLimiting from './ratelimit';
export * as caching from './cache';
export * as resilience from './resilience';
export type { BackpressureLiveDetail, BackpressureBinDetail } from './backpressure';
export type { OutboxLiveDetail, OutboxRowDetail } from './outbox';
export * as mvcc from './mvcc/view-detail';
export type { QuorumLiveDetail, QuorumKeyDetail, QuorumReplicaDetail } from './quorum/view-detail';
export type {
  ReplicationLiveDetail,
  ReplicationNodeDetail,
  ReplicationReadDetail,
} from './replication/view-detail';
export { capSideBySide, type CapSideBySide, type CapRequest } from './quorum/scenarios/cap';
export { exampleHistories, versionsOf, type ExampleHistory } from './consistency/examples';
export type { ClockLiveDetail, ClockEventDetail, ClockNodeDetail } from './clocks/view-detail';
export type { TwoPcLiveDetail, TwoPcParticipantDetail, TwoPcCoordinatorDetail } from './twopc/view-detail';
export * as leases from './leases';
export type { SagaLiveDetail, SagaDetail, SagaStepDetail, SagaServiceDetail, SagaStepState } from './sagas';
export type {
  PlogLiveDetail,
  PlogPartitionDetail,
  PlogConsumerDetail,
  PlogReplicaDetail,
} from './plog/view-detail';

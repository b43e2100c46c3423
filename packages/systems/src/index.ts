export * from './contract';
export { systems, findSystem } from './registry';
export { faultSchema, faultCommandSchema, faultScriptSchema } from './fault-schema';
export { ConsistentHashRing } from './hashring';
export { buildRaftCluster, raftParams, RaftNode, raftMutants } from './raft';
export { formatValue } from './format';

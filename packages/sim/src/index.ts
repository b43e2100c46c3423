export type { Env, Disk, Message, NodeId, TimerId, TraceData, SimNode, NodeFactory } from './env';
export { Rng, labelHash } from './rng';
export { murmur3, fnv1a, hashPair, utf8 } from './hash';

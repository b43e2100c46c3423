export type { Env, Disk, Message, NodeId, TimerId, TraceData, SimNode, NodeFactory } from './env';

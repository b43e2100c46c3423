export type {
  BackgroundSync,
  Env,
  Disk,
  Message,
  NodeId,
  TimerId,
  TraceData,
  SimNode,
  NodeFactory,
} from './env';
export { Rng, labelHash } from './rng';
export { murmur3, fnv1a, hashPair, utf8 } from './hash';
export { printable } from './printable';
export {
  World,
  type WorldOptions,
  type NodeOptions,
  type WorldStats,
  type TraceMode,
  type ClockControl,
  type InvariantFinding,
} from './world';
export { Network, defaultLink, validateLink, type LinkConfig, type LinkEnd } from './network';
export { sampleLatency, validateLatency, type LatencyModel } from './latency';
export { SimClock } from './clock';
export { SimDisk, type DiskFaults, type DiskStats } from './disk';
export { EventQueue } from './event-queue';
export {
  TraceHasher,
  stableJson,
  TRACE_SCHEMA_VERSION,
  type TraceEvent,
  type TraceKind,
  type TraceListener,
  type DropReason,
} from './trace';
export { InvariantViolation, invariant, deepFreeze, catchViolation } from './invariant';
export {
  applyFault,
  applyFaultSchedule,
  describeFault,
  randomFaultSchedule,
  type Fault,
  type FaultStep,
  type FaultSchedule,
  type FaultFamily,
  type RandomFaultOptions,
} from './nemesis';

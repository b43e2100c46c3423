/** Sharding strategies (catalog D2): what range, hash, salting, pre-sharding, directory and geo sharding do to load, movement and latency. */
import type { SystemDefinition } from '../contract';
import { directoryParams, directorySimulated, type DirectoryParams } from './directory-sim';
import { shardingScenarios } from './scenarios';

export { RangeShards, PreShardedCluster, hashShard, snowflakeId } from './strategies';
export { DirectoryTable } from './directory';
export { GeoShards } from './geo';
export { keySchemes, routerFor, type KeyScheme } from './time-keys';

export { directorySimulation, directoryParams, type DirectoryParams } from './directory-sim';

/** The params of a free, live or fuzzed run: the directory service's world (`directory-sim.ts`). */
export const shardingParams = directoryParams;

export const shardingSystem: SystemDefinition<DirectoryParams> = {
  id: 'sharding',
  title: 'Sharding strategies',
  rows: ['D2'],
  summary:
    'Range and hash sharding under time-ordered inserts, load-based range splits, salting a hot key, time-based suffixes ' +
    'routed window by window, pre-sharding and re-keying by dual write; a directory service that moves a tenant while ' +
    'caching clients are redirected, and geo sharding over a simulated WAN. Redis Cluster slots live with consistent ' +
    'hashing and in slot-migration.',
  params: shardingParams,
  scenarios: shardingScenarios,
  ...directorySimulated,
};

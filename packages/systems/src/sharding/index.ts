/** Sharding strategies (catalog D2): what range, hash, salting, pre-sharding, directory and geo sharding do to load, movement and latency. */
import { z } from 'zod';
import type { SystemDefinition } from '../contract';
import { shardingScenarios } from './scenarios';

export { RangeShards, PreShardedCluster, hashShard, snowflakeId } from './strategies';
export { DirectoryTable } from './directory';
export { GeoShards } from './geo';
export { keySchemes, routerFor, type KeyScheme } from './time-keys';

export const shardingParams = z.object({ shards: z.number().int().min(1).max(4096).default(10) }).strict();

export const shardingSystem: SystemDefinition<z.infer<typeof shardingParams>> = {
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
};

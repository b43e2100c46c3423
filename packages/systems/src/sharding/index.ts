/** Sharding strategies (catalog D2): what range, hash, salting and pre-sharding do to load and movement. */
import { z } from 'zod';
import type { SystemDefinition } from '../contract';
import { shardingScenarios } from './scenarios';

export { RangeShards, PreShardedCluster, hashShard, snowflakeId } from './strategies';

export const shardingParams = z.object({ shards: z.number().int().min(1).max(4096).default(10) }).strict();

export const shardingSystem: SystemDefinition<z.infer<typeof shardingParams>> = {
  id: 'sharding',
  title: 'Sharding strategies',
  rows: ['D2'],
  track: 'Partitioning',
  summary:
    'Range and hash sharding under time-ordered inserts, salting a hot key, time-based suffixes and pre-sharding, each ' +
    'claim measured on generated keys. Redis Cluster slots live with consistent hashing (checked against real Redis).',
  params: shardingParams,
  scenarios: shardingScenarios,
};

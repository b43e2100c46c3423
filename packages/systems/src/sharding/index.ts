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
  summary:
    'Range and hash sharding under time-ordered inserts, load-based range splits, directory and geo sharding, salting a ' +
    'hot key, time-based suffixes, pre-sharding and re-keying by dual write: each claim measured on generated keys. ' +
    'Redis Cluster slots live with consistent hashing and in slot-migration.',
  params: shardingParams,
  scenarios: shardingScenarios,
};

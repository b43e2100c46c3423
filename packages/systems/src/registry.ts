// Every system dslab ships, loaded at once (the CLI and the tests). Adding a system = one import and one
// entry here, and one line in lazy-registry.ts (the lab loads each system by itself through it;
// lazy-registry.test.ts fails while the two lists differ).
import type { SystemDefinition } from './contract';
import { echoSystem } from './echo';
import { raftSystem } from './raft';
import { hashringSystem } from './hashring';
import { shardingSystem } from './sharding';
import { slotMigrationSystem } from './slot-migration';
import { bloomSystem } from './bloom';
import { hyperloglogSystem } from './hyperloglog';
import { countMinSystem } from './countmin';
import { minhashSystem } from './minhash';
import { btreeSystem } from './btree';
import { lsmSystem } from './lsm';
import { idSystem } from './ids';
import { clockSystem } from './clocks';
import { rateLimitSystem } from './ratelimit';
import { quorumSystem } from './quorum';
import { cacheSystem } from './cache';
import { mvccSystem } from './mvcc';
import { replicationSystem } from './replication';
import { twoPcSystem } from './twopc';
import { backpressureSystem } from './backpressure';
import { outboxSystem } from './outbox';
import { leasesSystem } from './leases';
import { sagaSystem } from './sagas';
import { resilienceSystem } from './resilience';
import { plogSystem } from './plog';
import { consistencySystem } from './consistency';

export const systems: readonly SystemDefinition<unknown>[] = [
  echoSystem as SystemDefinition<unknown>,
  raftSystem as SystemDefinition<unknown>,
  hashringSystem as SystemDefinition<unknown>,
  shardingSystem as SystemDefinition<unknown>,
  slotMigrationSystem as SystemDefinition<unknown>,
  bloomSystem as SystemDefinition<unknown>,
  hyperloglogSystem as SystemDefinition<unknown>,
  countMinSystem as SystemDefinition<unknown>,
  minhashSystem as SystemDefinition<unknown>,
  btreeSystem as SystemDefinition<unknown>,
  lsmSystem as SystemDefinition<unknown>,
  idSystem as SystemDefinition<unknown>,
  clockSystem as SystemDefinition<unknown>,
  rateLimitSystem as SystemDefinition<unknown>,
  quorumSystem as SystemDefinition<unknown>,
  cacheSystem as SystemDefinition<unknown>,
  mvccSystem as SystemDefinition<unknown>,
  replicationSystem as SystemDefinition<unknown>,
  twoPcSystem as SystemDefinition<unknown>,
  backpressureSystem as SystemDefinition<unknown>,
  outboxSystem as SystemDefinition<unknown>,
  leasesSystem as SystemDefinition<unknown>,
  sagaSystem as SystemDefinition<unknown>,
  resilienceSystem as SystemDefinition<unknown>,
  plogSystem as SystemDefinition<unknown>,
  consistencySystem as SystemDefinition<unknown>,
];

export function findSystem(id: string): SystemDefinition<unknown> | undefined {
  return systems.find((system) => system.id === id);
}

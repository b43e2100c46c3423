// `@dslab/runtime/testing`: real servers for tests, each started on a free loopback port and removed after.
export { useRedis } from './use-redis';
export { usePostgres, type PostgresClient, type PostgresServer, type UsePostgres } from './use-postgres';
export { wallSleep, wallClock, waitUntil } from './wall-time';

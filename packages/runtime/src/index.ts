export { startRedisServer, freePort, redisServerBinary, type RedisServer } from './real/redis-server';

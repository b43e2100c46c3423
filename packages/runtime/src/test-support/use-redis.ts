// For tests: a real redis-server (Debian package) and an ioredis client for the whole file.
import { afterAll, beforeAll } from 'vitest';
import Redis from 'ioredis';
import { startRedisServer, type RedisServer } from '../real/redis-server';

/** Registers beforeAll/afterAll hooks; call the returned function inside a test to get the client. */
export function useRedis(options: { cluster?: boolean } = {}): () => Redis {
  let server: RedisServer | undefined;
  let client: Redis | undefined;
  beforeAll(async () => {
    server = await startRedisServer(options);
    client = new Redis({ host: server.host, port: server.port, lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
  }, 30_000);
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });
  return () => {
    if (!client)
      throw new Error('redis is not started (useRedis must be called at the top of the test file)');
    return client;
  };
}

import type { Redis } from 'ioredis';
import { createRedisClient } from '../store/redisClient';
import { describeRedis } from '../settings/redis';
import { cliSettings } from '../settings/processes';

/**
 * Runs one CLI command against Redis: connects with the environment's settings (URL or
 * sentinels), refuses with where and why when Redis cannot be reached, always disconnects.
 */
export async function withRedis<T>(
  name: string,
  fn: (redis: Redis) => Promise<T>,
  env: Record<string, string | undefined> = process.env,
): Promise<T> {
  const settings = cliSettings(env).redis;
  const redis = createRedisClient(settings, 'tool', name);
  try {
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', () => resolve());
      redis.once('error', (err: Error) => reject(new Error(`Redis at ${describeRedis(settings)}: ${err.message}`)));
    });
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

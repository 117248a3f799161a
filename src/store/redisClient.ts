import Redis from 'ioredis';
import { backoffDelay } from '../util/backoff';

/**
 * A Redis connection for the call path: it never queues commands while disconnected (they
 * fail at once, so a call never waits on Redis) and reconnects forever with backoff.
 */
export function createRedis(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (attempt) => backoffDelay(Math.min(attempt, 10), { baseMs: 100, maxMs: 5000 }),
    lazyConnect: false,
  });
}

/** A subscriber connection: ioredis re-subscribes by itself after a reconnect. */
export function createSubscriber(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => backoffDelay(Math.min(attempt, 10), { baseMs: 100, maxMs: 5000 }),
  });
}

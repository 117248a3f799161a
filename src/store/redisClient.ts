import Redis, { type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { backoffDelay } from '../shared/backoff';
import type { ErrorCode } from '../shared/errorCodes';
import type { RedisSettings } from '../settings/redis';

/**
 * What the connection is for; it decides how commands behave while Redis is unreachable.
 * - `call-path`: the daemon's commands and the CLI's writes: never queued while disconnected
 *   (they fail at once, so a call never waits on Redis; the spool retries events).
 * - `subscriber`: SUBSCRIBE; ioredis re-subscribes after every reconnect, on the new primary
 *   after a failover.
 * - `worker`: the CRM worker: commands wait (queued) through a reconnect.
 * - `tool`: one-shot CLI commands that do not wait for `ready`: queued, retried twice.
 * - `blocking`: the worker's XREADGROUP BLOCK connection; retried without limit.
 */
export type RedisUse = 'call-path' | 'subscriber' | 'worker' | 'tool' | 'blocking';

/** The one place a Redis client is made; every caller passes redisSettings() from the environment. */
export function createRedisClient(settings: RedisSettings, use: RedisUse, name: string, opts: { lazyConnect?: boolean } = {}): Redis {
  const e = settings.endpoint;
  const sentinel = e.kind === 'sentinel';
  const perUse: RedisOptions =
    use === 'call-path'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 }
      : use === 'worker' || use === 'tool'
        ? { enableOfflineQueue: true, maxRetriesPerRequest: use === 'worker' ? 20 : 2 }
        : { enableOfflineQueue: true, maxRetriesPerRequest: null };
  const options: RedisOptions = {
    connectionName: name,
    connectTimeout: 2000,
    lazyConnect: opts.lazyConnect ?? false,
    ...perUse,
    // Reconnect forever. Behind sentinels, a reconnect first asks a sentinel where the
    // primary is, so it retries sooner: a failover is found within about a second.
    retryStrategy: (attempt) => backoffDelay(Math.min(attempt, 10), { baseMs: 100, maxMs: sentinel ? 1000 : 5000 }),
    // A primary demoted to replica (a failover while the connection stayed up) refuses
    // writes with READONLY: reconnect, which asks the sentinels again. Queued uses resend
    // the command (a refused write was not executed); the call path fails it (the spool retries).
    reconnectOnError: (err) => (/^READONLY/.test(err.message) ? (use === 'call-path' ? 1 : 2) : false),
  };
  if (e.username !== undefined) options.username = e.username;
  if (e.password !== undefined) options.password = e.password;
  if (e.kind === 'standalone') return new Redis(e.url, options);
  return new Redis({
    ...options,
    sentinels: e.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: e.name,
    // Only the primary: the ready check compares INFO's role and moves on if it is not.
    role: 'master',
    sentinelUsername: e.sentinelUsername,
    sentinelPassword: e.sentinelPassword,
    sentinelCommandTimeout: 1000,
    // Every sentinel unreachable: keep asking, with backoff, for as long as the process runs.
    sentinelRetryStrategy: (attempt) => backoffDelay(Math.min(attempt, 10), { baseMs: 100, maxMs: 5000 }),
    // Off on purpose. ioredis 6.0.0's detector (a +switch-master subscription) calls the
    // connector's disconnect(); when that lands while the client is reconnecting (the
    // primary was killed, so it is), the pending connect rejects with "Connection is closed"
    // and the client ends for good (status "end", no more retries). In our failover tests
    // (test/unit/store/sentinelClient.test.ts) most runs left one of five clients ended.
    // Without it a dead primary is noticed by the socket closing, and a demoted one by
    // READONLY (reconnectOnError).
    failoverDetector: false,
  });
}

/** A write is acknowledged by the primary but no replica confirmed it in time (WAIT). */
export class ReplicationShortfallError extends Error {
  readonly code: ErrorCode = 'AH_ERR_REPLICATION_SHORTFALL';
  constructor(
    readonly wanted: number,
    readonly confirmed: number,
    readonly timeoutMs: number,
  ) {
    super(`${confirmed} of ${wanted} replica(s) confirmed the write within ${timeoutMs} ms`);
    this.name = 'ReplicationShortfallError';
  }
}

export interface ReplicaWait {
  /** Call after a write on the same connection; throws ReplicationShortfallError when a connected replica did not confirm it in time. */
  confirm(): Promise<void>;
}

/**
 * WAIT for replicas after a write on `redis`, as many as settings.waitReplicas and as many
 * as the primary has connected (ROLE, looked up at most once a second and after every
 * reconnect): a primary alone (just promoted, its replica not back yet) confirms at once, so
 * events keep flowing and are as durable as that one node. Undefined when waitReplicas is 0.
 */
export function replicaWait(redis: Redis, settings: RedisSettings, log?: Logger, now: () => number = Date.now): ReplicaWait | undefined {
  if (settings.waitReplicas === 0) return undefined;
  let connected: number | undefined;
  let checkedAt = 0;
  let warnedAlone = false;
  redis.on('ready', () => {
    connected = undefined;
  });
  const refresh = async (): Promise<number> => {
    const role = (await redis.call('ROLE')) as unknown[];
    connected = role[0] === 'master' && Array.isArray(role[2]) ? role[2].length : 0;
    checkedAt = now();
    if (connected === 0 && !warnedAlone) {
      warnedAlone = true;
      log?.warn('redis: the primary has no replica connected; events are confirmed by the primary alone until one is back');
    } else if (connected > 0 && warnedAlone) {
      warnedAlone = false;
      log?.info({ replicas: connected }, 'redis: a replica is connected again; events wait for its confirmation');
    }
    return connected;
  };
  return {
    async confirm() {
      const have = connected === undefined || now() - checkedAt > 1000 ? await refresh() : connected;
      const wanted = Math.min(settings.waitReplicas, have);
      if (wanted === 0) return;
      const confirmed = Number(await redis.call('WAIT', wanted, settings.waitTimeoutMs));
      if (confirmed >= wanted) return;
      // A replica that left meanwhile lowers what can be asked for; one that is there but
      // slow means the write may not survive a failover yet: fail, and the spool retries.
      const still = Math.min(settings.waitReplicas, await refresh());
      if (confirmed >= still) return;
      throw new ReplicationShortfallError(wanted, confirmed, settings.waitTimeoutMs);
    },
  };
}

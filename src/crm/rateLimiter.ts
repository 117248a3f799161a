// One request budget for every worker talking to one portal: a token bucket kept in Redis and
// updated by one Lua script on the server's clock, so N workers together stay under the
// portal's limit without anyone dividing it by hand.
import type { Redis } from 'ioredis';
import { runLua } from '../store/luaScripts';
import { sleep as realSleep, type Sleep } from '../shared/backoff';

export interface RateLimiter {
  /** Resolves when the caller may send one request. */
  take(signal?: AbortSignal): Promise<void>;
}

export interface RedisRateLimiterOptions {
  redis: Redis;
  key: string;
  ratePerSecond: number;
  burst: number;
  sleep?: Sleep;
}

export class RedisRateLimiter implements RateLimiter {
  constructor(private readonly o: RedisRateLimiterOptions) {
    if (!(o.ratePerSecond > 0) || !(o.burst >= 1)) throw new RangeError('rate limiter needs ratePerSecond > 0 and burst >= 1');
  }

  async take(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const wait = Number(await runLua(this.o.redis, 'rateReserve', [this.o.key], [this.o.ratePerSecond, this.o.burst]));
    if (wait > 0) await (this.o.sleep ?? realSleep)(wait, signal);
  }
}

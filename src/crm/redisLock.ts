// A short Redis lock (SET NX PX, released only by its holder) for work one worker should do
// while the others wait and then use its result: refreshing the OAuth token, registering a line.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { runLua } from '../store/luaScripts';
import { sleep } from '../shared/backoff';

export class RedisLock {
  constructor(
    private readonly redis: Redis,
    readonly key: string,
    /** Outlives the work it guards (the holder's request timeout), so a dead holder frees it. */
    private readonly ttlMs: number,
  ) {}

  /** The holder's token, or null when someone else holds the lock. */
  async tryAcquire(): Promise<string | null> {
    const token = randomBytes(8).toString('hex');
    return (await this.redis.set(this.key, token, 'PX', this.ttlMs, 'NX')) === 'OK' ? token : null;
  }

  async release(token: string): Promise<void> {
    await runLua(this.redis, 'lockRelease', [this.key], [token]);
  }

  /** Waits until nobody holds the lock, or `done()` says the holder's result is there. */
  async waitWhileHeld(signal: AbortSignal, done: () => Promise<boolean>, pollMs = 50): Promise<void> {
    while ((await this.redis.exists(this.key)) === 1) {
      if (await done()) return;
      await sleep(pollMs, signal);
    }
  }
}

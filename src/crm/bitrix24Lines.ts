// The DIDs as Bitrix24 external lines, so the call history shows which number was called
// (register's LINE_NUMBER refers to them). Each line is checked once, by one worker under a
// lock, and remembered in Redis for a day: after that one `externalLine.get` sees whether an
// administrator deleted or renamed it, and puts it back.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { PermanentCrmError } from './adapter';
import { RedisLock } from './redisLock';

type Call = (method: string, params: Record<string, unknown>, signal: AbortSignal) => Promise<unknown>;

export interface ExternalLinesOptions {
  redis: Redis;
  lineKey: (did: string) => string;
  lockKey: (did: string) => string;
  call: Call;
  /** How long a checked line is trusted before it is checked again; default one day. */
  rememberSeconds?: number;
  logger?: Logger;
}

/**
 * after-hours places no outgoing calls, so Bitrix24 should not create CRM records for calls
 * dialled through these lines from its interface (CRM_AUTO_CREATE defaults to Y).
 */
const CRM_AUTO_CREATE = 'N';

export class ExternalLines {
  constructor(private readonly o: ExternalLinesOptions) {}

  /** Makes sure `did` is an external line named `name`. */
  async ensure(did: string, name: string, signal: AbortSignal): Promise<void> {
    const { redis } = this.o;
    const key = this.o.lineKey(did);
    if ((await redis.get(key)) === name) return;
    const lock = new RedisLock(redis, this.o.lockKey(did), 60_000);
    for (;;) {
      const held = await lock.tryAcquire();
      if (held === null) {
        await lock.waitWhileHeld(signal, async () => (await redis.get(key)) === name);
        if ((await redis.get(key)) === name) return;
        continue;
      }
      try {
        if ((await redis.get(key)) === name) return;
        await this.register(did, name, signal);
        await redis.set(key, name, 'EX', this.o.rememberSeconds ?? 24 * 3600);
        return;
      } finally {
        await lock.release(held).catch(() => undefined);
      }
    }
  }

  private async register(did: string, name: string, signal: AbortSignal): Promise<void> {
    const lines = await this.o.call('telephony.externalLine.get', {}, signal);
    const existing = Array.isArray(lines)
      ? (lines as unknown[]).find(
          (l): l is { NUMBER: unknown; NAME?: unknown } =>
            typeof l === 'object' && l !== null && String((l as { NUMBER?: unknown }).NUMBER) === did,
        )
      : undefined;
    if (existing === undefined) {
      try {
        await this.o.call('telephony.externalLine.add', { NUMBER: did, NAME: name, CRM_AUTO_CREATE }, signal);
      } catch (err) {
        // Another deployment added it between our get and add: it is there, which is all we want.
        if (!(err instanceof PermanentCrmError && /already exists/i.test(err.message))) throw err;
      }
      this.o.logger?.info({ did, name }, 'bitrix24 external line registered');
    } else if (existing.NAME !== name) {
      await this.o.call('telephony.externalLine.update', { NUMBER: did, NAME: name, CRM_AUTO_CREATE }, signal);
      this.o.logger?.info({ did, name }, 'bitrix24 external line renamed');
    }
  }
}

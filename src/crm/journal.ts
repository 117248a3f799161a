import type { Redis } from 'ioredis';
import type { StreamKeys } from '../store/eventStream';
import type { StepJournal } from './adapter';
import { stepsKey } from './keys';

export const DONE_FIELD = 'done';
/** Long enough to outlive any redelivery or dead-letter retry. */
export const JOURNAL_TTL_SECONDS = 30 * 24 * 3600;

/** The per-event idempotency record: a Redis hash of done steps. */
export class RedisStepJournal implements StepJournal {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    keys: StreamKeys,
    eventId: string,
  ) {
    this.key = stepsKey(keys, eventId);
  }

  async get(step: string): Promise<string | undefined> {
    const value = await this.redis.hget(this.key, step);
    return value ?? undefined;
  }

  async set(step: string, value: string): Promise<void> {
    const results = await this.redis.multi().hset(this.key, step, value).expire(this.key, JOURNAL_TTL_SECONDS).exec();
    const failed = results?.find(([err]) => err !== null);
    if (results === null || failed) throw failed?.[0] ?? new Error('journal write was discarded');
  }

  async isDone(): Promise<boolean> {
    return (await this.redis.hexists(this.key, DONE_FIELD)) === 1;
  }
}

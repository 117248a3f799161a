import type { Redis } from 'ioredis';
import { RedisScript } from './script';
import type { AfterHoursEvent } from './types';
import { assertEvent } from './validate';

export const DEFAULT_PREFIX = 'after-hours:';
/**
 * Approximate cap of the events stream. XADD's MAXLEN also trims entries that are still
 * pending, so the cap must exceed any plausible backlog: a million calls is months of
 * after-hours traffic for a large PBX, at roughly 1–2 kB each.
 */
export const DEFAULT_MAX_LEN = 1_000_000;
/** How long a re-sent event id is remembered and dropped. */
export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 3600;

export interface StreamKeys {
  prefix: string;
  /** The events stream. */
  stream: string;
  /** Dead letters: events the worker gave up on, with the last error. */
  dead: string;
  /** Consumer group of the CRM workers. */
  group: string;
}

export function streamKeys(prefix: string = process.env.REDIS_PREFIX ?? DEFAULT_PREFIX): StreamKeys {
  return { prefix, stream: `${prefix}events`, dead: `${prefix}events:dead`, group: 'crm' };
}

export function eventIdKey(keys: StreamKeys, eventId: string): string {
  return `${keys.prefix}event-ids:${eventId}`;
}

/** Field names of a stream entry. */
export const FIELD_ID = 'id';
export const FIELD_EVENT = 'event';

export interface EventStreamOptions {
  maxLen?: number;
  idempotencyTtlSeconds?: number;
}

// SET NX on the event id and XADD in one step, so an event re-sent after an outage (or by
// two daemons) is written once; the earlier entry id is returned for a repeat.
const APPEND = new RedisScript(`
local existing = redis.call('GET', KEYS[2])
if existing then return {existing, 0} end
local entry = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'id', ARGV[2], 'event', ARGV[3])
redis.call('SET', KEYS[2], entry, 'EX', ARGV[4])
return {entry, 1}
`);

export interface AppendResult {
  /** Stream entry id (the earlier one when this event id was already appended). */
  entryId: string;
  duplicate: boolean;
}

/** What the daemon uses to emit events. */
export class EventStream {
  private readonly maxLen: number;
  private readonly ttl: number;

  constructor(
    private readonly redis: Redis,
    readonly keys: StreamKeys,
    options: EventStreamOptions = {},
  ) {
    this.maxLen = options.maxLen ?? DEFAULT_MAX_LEN;
    this.ttl = options.idempotencyTtlSeconds ?? DEFAULT_IDEMPOTENCY_TTL_SECONDS;
  }

  /** Validates and appends; returns the stream entry id. Throws InvalidEventError for a bad event. */
  async append(event: AfterHoursEvent): Promise<string> {
    return (await this.appendDetailed(event)).entryId;
  }

  async appendDetailed(event: AfterHoursEvent): Promise<AppendResult> {
    const valid = assertEvent(event);
    const reply = await APPEND.run(
      this.redis,
      [this.keys.stream, eventIdKey(this.keys, valid.id)],
      [this.maxLen, valid.id, JSON.stringify(valid), this.ttl],
    );
    const [entryId, added] = reply as [string, number];
    return { entryId: String(entryId), duplicate: Number(added) === 0 };
  }
}

import type { Redis } from 'ioredis';
import { runLua } from './luaScripts';
import type { AfterHoursEvent } from '../events/types';
import { assertEvent } from '../events/validate';

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

export function streamKeys(prefix: string = DEFAULT_PREFIX): StreamKeys {
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
  /**
   * Confirms the last write on this connection reached the replicas (WAIT; see replicaWait in
   * store/redisClient). An append resolves only after it: the spool keeps an event until a
   * failover can no longer lose it, and a re-send is a duplicate the script drops.
   */
  replicas?: { confirm(): Promise<void> };
}

export interface AppendResult {
  /** Stream entry id (the earlier one when this event id was already appended). */
  entryId: string;
  duplicate: boolean;
}

/** What the daemon uses to emit events. */
export class EventStream {
  private readonly maxLen: number;
  private readonly ttl: number;
  private readonly replicas: EventStreamOptions['replicas'];

  constructor(
    private readonly redis: Redis,
    readonly keys: StreamKeys,
    options: EventStreamOptions = {},
  ) {
    this.maxLen = options.maxLen ?? DEFAULT_MAX_LEN;
    this.ttl = options.idempotencyTtlSeconds ?? DEFAULT_IDEMPOTENCY_TTL_SECONDS;
    this.replicas = options.replicas;
  }

  /** Validates and appends; returns the stream entry id. Throws InvalidEventError for a bad event. */
  async append(event: AfterHoursEvent): Promise<string> {
    return (await this.appendDetailed(event)).entryId;
  }

  async appendDetailed(event: AfterHoursEvent): Promise<AppendResult> {
    const valid = assertEvent(event);
    const reply = await runLua(
      this.redis,
      'eventAppend',
      [this.keys.stream, eventIdKey(this.keys, valid.id)],
      [this.maxLen, valid.id, JSON.stringify(valid), this.ttl],
    );
    const [entryId, added] = reply as [string, number];
    // Also for a duplicate: a re-send after a shortfall waits for the first write again.
    await this.replicas?.confirm();
    return { entryId: String(entryId), duplicate: Number(added) === 0 };
  }
}

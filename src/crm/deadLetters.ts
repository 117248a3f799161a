// The dead-letter stream: events the worker gave up on, each with its last error.
import type { Redis } from 'ioredis';
import { DEFAULT_MAX_LEN, FIELD_EVENT, FIELD_ID, type StreamKeys } from '../store/eventStream';
import { runLua } from '../store/luaScripts';
import { lastErrorKey } from './keys';

export interface DeadLetter {
  /** Entry id in the dead-letter stream (what `dead retry ID` takes). */
  deadId: string;
  /** The event's own id, '' when the entry had none. */
  eventId: string;
  /** The event JSON exactly as it was in the stream. */
  event: string;
  error: string;
  deliveries: number;
  /** Entry id it had in the events stream. */
  sourceId: string;
  failedAt: string;
}

export interface MoveToDead {
  sourceId: string;
  eventId: string;
  event: string;
  error: string;
  deliveries: number;
  failedAt: Date;
}

export async function moveToDead(redis: Redis, keys: StreamKeys, m: MoveToDead, maxLen = DEFAULT_MAX_LEN): Promise<string> {
  const reply = await runLua(
    redis,
    'deadLetterMove',
    [keys.stream, keys.dead, lastErrorKey(keys, m.sourceId)],
    [maxLen, m.eventId, m.event, m.error, m.deliveries, m.sourceId, m.failedAt.toISOString(), keys.group],
  );
  return String(reply);
}

export async function listDead(redis: Redis, keys: StreamKeys, count = 1000): Promise<DeadLetter[]> {
  const entries = await redis.xrange(keys.dead, '-', '+', 'COUNT', count);
  return entries.map(([deadId, fields]) => {
    const f = fieldMap(fields);
    return {
      deadId,
      eventId: f.get(FIELD_ID) ?? '',
      event: f.get(FIELD_EVENT) ?? '',
      error: f.get('error') ?? '',
      deliveries: Number(f.get('deliveries') ?? 0),
      sourceId: f.get('source') ?? '',
      failedAt: f.get('failedAt') ?? '',
    };
  });
}

/**
 * Puts one dead letter back on the events stream. `id` is its dead-letter entry id or its
 * event id. Returns the new entry id, or null when there is no such dead letter.
 */
export async function retryDead(redis: Redis, keys: StreamKeys, id: string, maxLen = DEFAULT_MAX_LEN): Promise<string | null> {
  let deadId = id;
  if (!/^\d+-\d+$/.test(id)) {
    const match = (await listDead(redis, keys, 100_000)).find((d) => d.eventId === id);
    if (!match) return null;
    deadId = match.deadId;
  }
  const reply = await runLua(redis, 'deadLetterRetry', [keys.stream, keys.dead], [maxLen, deadId]);
  return typeof reply === 'string' ? reply : null;
}

/**
 * Retries every dead letter there was when it started, each once; returns the new entry ids.
 * A running worker may dead-letter a retried event again while this runs: that is a new
 * entry, after the snapshot, and stays for the next command instead of going round forever.
 */
export async function retryAllDead(redis: Redis, keys: StreamKeys, maxLen = DEFAULT_MAX_LEN, batch = 500): Promise<string[]> {
  const last = await redis.xrevrange(keys.dead, '+', '-', 'COUNT', 1);
  const lastId = last[0]?.[0];
  if (lastId === undefined) return [];
  const out: string[] = [];
  for (;;) {
    const reply = (await runLua(redis, 'deadLetterRetryUpTo', [keys.stream, keys.dead], [maxLen, lastId, batch])) as string[];
    out.push(...reply.map(String));
    if (reply.length < batch) return out;
  }
}

export function fieldMap(fields: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] as string, fields[i + 1] as string);
  return map;
}

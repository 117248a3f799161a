// The events on a prefix's stream, parsed and checked against the event schema.
import type { Redis } from 'ioredis';
import { parseEvent } from '../../src/events/validate';
import type { AfterHoursEvent } from '../../src/events/types';

export async function streamEvents(redis: Redis, prefix: string): Promise<AfterHoursEvent[]> {
  const entries = await redis.xrange(`${prefix}events`, '-', '+');
  return entries.map(([, fields]) => {
    const parsed = parseEvent(fields[fields.indexOf('event') + 1]!);
    if (!parsed.ok) throw new Error(`invalid event on the stream: ${parsed.errors.join('; ')}`);
    return parsed.event;
  });
}

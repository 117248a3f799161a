import type { StreamKeys } from '../events/stream';

/** Done steps of one event (hash step → result; `done` when all of it is). */
export function stepsKey(keys: StreamKeys, eventId: string): string {
  return `${keys.prefix}crm:steps:${eventId}`;
}

/** Held by the worker handling the event, so two deliveries of one event never run at once. */
export function lockKey(keys: StreamKeys, eventId: string): string {
  return `${keys.prefix}crm:lock:${eventId}`;
}

/** Last error of a stream entry, kept for the dead letter if a later delivery dies silently. */
export function lastErrorKey(keys: StreamKeys, entryId: string): string {
  return `${keys.prefix}crm:error:${entryId}`;
}

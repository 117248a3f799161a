import type { StreamKeys } from '../store/eventStream';

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

/** Bitrix24 state every worker of one deployment shares. */
export function bitrix24Keys(keys: StreamKeys): {
  /** Hash: the local application's access and refresh tokens. */
  oauth: string;
  /** Held by the one worker refreshing the tokens. */
  oauthLock: string;
  /** Token bucket of the request budget towards the portal. */
  rate: string;
  /** Remembers that a DID is registered as an external line (value: its name). */
  line: (did: string) => string;
  lineLock: (did: string) => string;
} {
  const base = `${keys.prefix}crm:bitrix24:`;
  return {
    oauth: `${base}oauth`,
    oauthLock: `${base}oauth:lock`,
    rate: `${base}rate`,
    line: (did) => `${base}line:${did}`,
    lineLock: (did) => `${base}line:${did}:lock`,
  };
}

/** Sorted set: recordings to delete from Asterisk once their retention is over (score: ms since the epoch). */
export function recordingsDueKey(keys: StreamKeys): string {
  return `${keys.prefix}crm:recordings:due`;
}

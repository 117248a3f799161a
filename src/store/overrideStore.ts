import type { Redis } from 'ioredis';
import type { Override } from '../schedule/types';

// Temporary overrides set by operations, one per DID, in one Redis hash. A change is
// announced so every daemon reloads within a second; an override past its `until` stops
// applying by itself (the engine checks the expiry) and is swept on the next write.

export interface StoredOverride extends Override {
  did: string;
  setAt: number;
  /** Who set it, for the audit trail: `extension 201` (day/night key), `cli (alice)`. */
  by?: string;
}

/** The longest an override may be set for: a year and a day, so a leap year fits. */
export const MAX_OVERRIDE_MS = 366 * 24 * 3600 * 1000;
/** Longest note kept with an override. */
export const MAX_NOTE_LENGTH = 500;
/** Longest author kept with an override. */
export const MAX_BY_LENGTH = 100;
/** The largest time value a JavaScript Date can hold. */
const MAX_DATE_MS = 8.64e15;

export function overrideKeys(prefix: string) {
  return { hash: `${prefix}overrides`, channel: `${prefix}overrides:changed` };
}

/** What is wrong with an override about to be stored at `now`, or undefined when nothing is. */
export function overrideProblem(o: StoredOverride, now: number): string | undefined {
  if (o.state !== 'open' && o.state !== 'closed') return 'the state must be open or closed';
  if (!Number.isSafeInteger(o.setAt)) return 'the time it was set is not a time';
  if (o.until !== undefined) {
    if (!Number.isSafeInteger(o.until)) return 'the expiry is not a time';
    if (o.until <= now) return `the expiry ${new Date(o.until).toISOString()} is not in the future`;
    if (o.until - now > MAX_OVERRIDE_MS) return 'the expiry is more than 366 days ahead (the longest an override may last)';
  }
  if (o.note !== undefined && o.note.length > MAX_NOTE_LENGTH) return `the note is longer than ${MAX_NOTE_LENGTH} characters`;
  if (o.by !== undefined && (typeof o.by !== 'string' || o.by.length > MAX_BY_LENGTH))
    return `the author is longer than ${MAX_BY_LENGTH} characters`;
  return undefined;
}

/** Stores an override; refuses (throws, storing nothing) one that overrideProblem() rejects. */
export async function setOverride(redis: Redis, prefix: string, o: StoredOverride): Promise<void> {
  const problem = overrideProblem(o, o.setAt);
  if (problem !== undefined) throw new RangeError(`override for ${o.did} not stored: ${problem}`);
  const k = overrideKeys(prefix);
  await redis.multi().hset(k.hash, o.did, JSON.stringify(o)).publish(k.channel, o.did).exec();
}

export async function clearOverride(redis: Redis, prefix: string, did: string): Promise<boolean> {
  const k = overrideKeys(prefix);
  const res = await redis.multi().hdel(k.hash, did).publish(k.channel, did).exec();
  return Number(res?.[0]?.[1] ?? 0) > 0;
}

/** A stored entry read back: the override, or why it cannot be used. */
function parseStored(field: string, json: string): StoredOverride | string {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return 'not JSON';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object';
  const o = v as Record<string, unknown>;
  if (o.did !== field) return 'its did does not match its key';
  if (o.state !== 'open' && o.state !== 'closed') return 'no valid state';
  if (o.until !== undefined && !(Number.isSafeInteger(o.until) && Math.abs(o.until as number) <= MAX_DATE_MS))
    return 'the expiry is not a time';
  if (o.note !== undefined && typeof o.note !== 'string') return 'the note is not text';
  if (typeof o.setAt !== 'number' || !Number.isFinite(o.setAt)) return 'the time it was set is not a time';
  if (o.by !== undefined && typeof o.by !== 'string') return 'the author is not text';
  const stored: StoredOverride = {
    did: field,
    state: o.state,
    until: o.until as number | undefined,
    note: o.note as string | undefined,
    setAt: o.setAt,
  };
  if (o.by !== undefined) stored.by = o.by as string;
  return stored;
}

/** The override of one DID in force at `now`, or undefined (none, expired or unreadable). */
export async function getOverride(redis: Redis, prefix: string, did: string, now: number): Promise<StoredOverride | undefined> {
  const json = await redis.hget(overrideKeys(prefix).hash, did);
  if (json === null) return undefined;
  const o = parseStored(did, json);
  if (typeof o === 'string' || (o.until !== undefined && o.until <= now)) return undefined;
  return o;
}

export interface ListOverridesOptions {
  /** Called for each stored entry that cannot be read; the entry is skipped, not deleted. */
  onMalformed?: (did: string, problem: string) => void;
}

/**
 * Every override still in force at `now`; expired ones are deleted on the way. An entry that
 * cannot be read (written by hand or by an older version) is skipped, so one bad entry never
 * hides the others.
 */
export async function listOverrides(redis: Redis, prefix: string, now: number, opts: ListOverridesOptions = {}): Promise<StoredOverride[]> {
  const k = overrideKeys(prefix);
  const all = await redis.hgetall(k.hash);
  const live: StoredOverride[] = [];
  const expired: string[] = [];
  for (const [did, json] of Object.entries(all)) {
    const o = parseStored(did, json);
    if (typeof o === 'string') opts.onMalformed?.(did, o);
    else if (o.until !== undefined && o.until <= now) expired.push(did);
    else live.push(o);
  }
  if (expired.length > 0) await redis.hdel(k.hash, ...expired).catch(() => undefined);
  return live.sort((a, b) => a.did.localeCompare(b.did));
}

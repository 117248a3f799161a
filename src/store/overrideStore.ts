import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { addOverride, isLive, overrideInForce } from '../schedule/overrides';
import type { Override } from '../schedule/types';
import { auditArgs, auditKey, auditWhoProblem, type AuditWho } from './auditLog';
import { runLua } from './luaScripts';

// Overrides set by operations, in one Redis hash: field = DID, value = a JSON array of that
// number's overrides (the current one and scheduled ones, each with an id). Versions before
// 0.2 stored one JSON object per DID; it is still read, as one override with the id `legacy`.
// A change is a compare-and-set script (overrideReplace.lua) that also announces it, so every
// daemon reloads within a second, and appends its audit entry in the same step. Overrides past
// their `until` stop applying by themselves (the engine checks) and are dropped on the next write.

export interface StoredOverride extends Override {
  did: string;
  /** Unique among the number's overrides: `override clear --id`. */
  id: string;
  setAt: number;
  /** Who set it: `extension 201` (day/night key), a login or token name. */
  by?: string;
}

/** What a caller gives to set an override: the store picks the id unless one is given. */
export type NewOverride = Omit<StoredOverride, 'id'> & { id?: string };

/** The longest an override may be set for: a year and a day, so a leap year fits. */
export const MAX_OVERRIDE_MS = 366 * 24 * 3600 * 1000;
/** Longest note kept with an override. */
export const MAX_NOTE_LENGTH = 500;
/** Longest author kept with an override. */
export const MAX_BY_LENGTH = 100;
/** The most overrides one number may have (current and scheduled). */
export const MAX_OVERRIDES_PER_DID = 50;
/** The id of an override stored by a version before 0.2 (one per number). */
export const LEGACY_ID = 'legacy';
/** The largest time value a JavaScript Date can hold. */
const MAX_DATE_MS = 8.64e15;
const ID_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;

export function overrideKeys(prefix: string) {
  return { hash: `${prefix}overrides`, channel: `${prefix}overrides:changed` };
}

/** What is wrong with an override about to be stored at `now`, or undefined when nothing is. */
export function overrideProblem(o: NewOverride, now: number): string | undefined {
  if (o.state !== 'open' && o.state !== 'closed') return 'the state must be open or closed';
  if (!Number.isSafeInteger(o.setAt)) return 'the time it was set is not a time';
  if (o.id !== undefined && !ID_PATTERN.test(o.id)) return 'the id must be 1 to 40 letters, digits, - or _';
  if (o.from !== undefined) {
    if (!Number.isSafeInteger(o.from)) return 'the start is not a time';
    if (o.from - now > MAX_OVERRIDE_MS) return 'the start is more than 366 days ahead';
  }
  if (o.until !== undefined) {
    if (!Number.isSafeInteger(o.until)) return 'the expiry is not a time';
    if (o.until <= now) return `the expiry ${new Date(o.until).toISOString()} is not in the future`;
    if (o.until - now > MAX_OVERRIDE_MS) return 'the expiry is more than 366 days ahead (the longest an override may last)';
    if (o.from !== undefined && o.from >= o.until) return 'the start is not before the expiry';
  }
  if (o.note !== undefined && (typeof o.note !== 'string' || o.note.length > MAX_NOTE_LENGTH))
    return `the note is longer than ${MAX_NOTE_LENGTH} characters`;
  if (o.by !== undefined && (typeof o.by !== 'string' || o.by.length > MAX_BY_LENGTH))
    return `the author is longer than ${MAX_BY_LENGTH} characters`;
  return undefined;
}

/** One override read back: the override, or why it cannot be used. */
function parseOne(did: string, v: unknown, legacy: boolean): StoredOverride | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object';
  const o = v as Record<string, unknown>;
  if (o.did !== did) return 'its did does not match its key';
  if (o.state !== 'open' && o.state !== 'closed') return 'no valid state';
  const isTime = (x: unknown) => Number.isSafeInteger(x) && Math.abs(x as number) <= MAX_DATE_MS;
  if (o.until !== undefined && !isTime(o.until)) return 'the expiry is not a time';
  if (o.from !== undefined && !isTime(o.from)) return 'the start is not a time';
  if (o.note !== undefined && typeof o.note !== 'string') return 'the note is not text';
  if (typeof o.setAt !== 'number' || !Number.isFinite(o.setAt)) return 'the time it was set is not a time';
  if (o.by !== undefined && typeof o.by !== 'string') return 'the author is not text';
  const id = legacy ? LEGACY_ID : o.id;
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) return 'no valid id';
  const stored: StoredOverride = { did, id, state: o.state, setAt: o.setAt };
  if (o.from !== undefined) stored.from = o.from as number;
  if (o.until !== undefined) stored.until = o.until as number;
  if (o.note !== undefined) stored.note = o.note as string;
  if (o.by !== undefined) stored.by = o.by as string;
  return stored;
}

/** A stored hash value read back: the DID's overrides (legacy object or array), or why it cannot be used. */
function parseStored(did: string, json: string): StoredOverride[] | string {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return 'not JSON';
  }
  if (!Array.isArray(v)) {
    const one = parseOne(did, v, true);
    return typeof one === 'string' ? one : [one];
  }
  const out: StoredOverride[] = [];
  for (const [i, item] of v.entries()) {
    const one = parseOne(did, item, false);
    if (typeof one === 'string') return `override ${i + 1}: ${one}`;
    out.push(one);
  }
  return out;
}

/** Scheduled order: by start (already in force first), then by when they were set. */
function byStart(a: StoredOverride, b: StoredOverride): number {
  return (a.from ?? -Infinity) - (b.from ?? -Infinity) || a.setAt - b.setAt;
}

/** What an audit entry records of a number's overrides (the DID is its target). */
function auditView(list: readonly StoredOverride[]): Array<Omit<StoredOverride, 'did'>> {
  return list.map(({ did: _did, ...rest }) => rest);
}

const CAS_ATTEMPTS = 20;

/**
 * Reads one DID's overrides, lets `change` compute the new list (or undefined: nothing to do),
 * and writes it if nobody changed the DID meanwhile (else reads again). Returns what `change`
 * returned with the list before.
 */
async function replaceOverrides<R>(
  redis: Redis,
  prefix: string,
  did: string,
  change: (before: StoredOverride[]) => { list: StoredOverride[]; audit?: string[]; result: R } | undefined,
): Promise<{ result: R; before: StoredOverride[] } | undefined> {
  const k = overrideKeys(prefix);
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const raw = await redis.hget(k.hash, did);
    const parsed = raw === null ? [] : parseStored(did, raw);
    // An entry that cannot be read is replaced, as a plain set always replaced it.
    const before = typeof parsed === 'string' ? [] : parsed;
    const next = change(before);
    if (next === undefined) return undefined;
    const value = next.list.length === 0 ? '' : JSON.stringify(next.list);
    const done = await runLua(
      redis,
      'overrideReplace',
      [k.hash, k.channel, auditKey(prefix)],
      [did, raw === null ? '0' : '1', raw ?? '', value, '1', ...(next.audit ?? [''])],
    );
    if (Number(done) === 1) return { result: next.result, before };
  }
  throw new Error(`the overrides of ${did} changed ${CAS_ATTEMPTS} times while being written; try again`);
}

/**
 * Adds an override (the newest: it wins wherever it is in force) and audits it. Expired ones,
 * and those the new one covers completely, are dropped. Refuses (RangeError, storing nothing)
 * one that overrideProblem() rejects, a bad `who`, or a number that would have more than
 * MAX_OVERRIDES_PER_DID. `by` defaults to who.actor. Returns the override as stored.
 */
export async function setOverride(redis: Redis, prefix: string, o: NewOverride, who: AuditWho): Promise<StoredOverride> {
  const problem = overrideProblem(o, o.setAt);
  if (problem !== undefined) throw new RangeError(`override for ${o.did} not stored: ${problem}`);
  const stored: StoredOverride = { ...o, id: o.id ?? randomBytes(4).toString('hex'), by: o.by ?? who.actor };
  for (const key of Object.keys(stored) as Array<keyof StoredOverride>) if (stored[key] === undefined) delete stored[key];
  const done = await replaceOverrides(redis, prefix, o.did, (before) => {
    const live = before.filter((x) => isLive(x, o.setAt));
    if (live.some((x) => x.id === stored.id)) throw new RangeError(`override for ${o.did} not stored: the id ${stored.id} is taken`);
    const list = addOverride(live, stored, o.setAt).sort(byStart);
    if (list.length > MAX_OVERRIDES_PER_DID)
      throw new RangeError(`override for ${o.did} not stored: the number has ${MAX_OVERRIDES_PER_DID} overrides (clear some first)`);
    const audit = auditArgs({
      ...who,
      action: 'override.set',
      target: o.did,
      before: auditView(live),
      after: auditView(list),
      ...(o.note !== undefined ? { note: o.note } : {}),
    });
    return { list, audit, result: stored };
  });
  return done!.result;
}

export interface ClearOptions {
  /** Only these overrides (by id); all of the number's when absent. */
  ids?: readonly string[];
  /** The clock, for dropping expired ones on the way (default: now). */
  now?: number;
  note?: string;
}

/** Removes a number's overrides (or those with the given ids) and audits it; returns those removed (none: nothing changed, no entry). */
export async function clearOverride(
  redis: Redis,
  prefix: string,
  did: string,
  who: AuditWho,
  opts: ClearOptions = {},
): Promise<StoredOverride[]> {
  const now = opts.now ?? Date.now();
  const whoProblem = auditWhoProblem(who);
  if (whoProblem !== undefined) throw new RangeError(`overrides of ${did} not cleared: ${whoProblem}`);
  const done = await replaceOverrides(redis, prefix, did, (before) => {
    const live = before.filter((x) => isLive(x, now));
    const removed = live.filter((x) => opts.ids === undefined || opts.ids.includes(x.id));
    if (removed.length === 0) return undefined;
    const list = live.filter((x) => !removed.includes(x));
    const audit = auditArgs({
      ...who,
      action: 'override.clear',
      target: did,
      before: auditView(live),
      after: auditView(list),
      ...(opts.note !== undefined ? { note: opts.note } : {}),
    });
    return { list, audit, result: removed };
  });
  return done?.result ?? [];
}

/** Every override of one DID that has not expired at `now` (in force or scheduled), by start. */
export async function getOverrides(redis: Redis, prefix: string, did: string, now: number): Promise<StoredOverride[]> {
  const json = await redis.hget(overrideKeys(prefix).hash, did);
  if (json === null) return [];
  const list = parseStored(did, json);
  return typeof list === 'string' ? [] : list.filter((o) => isLive(o, now)).sort(byStart);
}

/** The override of one DID in force at `now` (the most recently set one), or undefined. */
export async function getOverride(redis: Redis, prefix: string, did: string, now: number): Promise<StoredOverride | undefined> {
  return overrideInForce(await getOverrides(redis, prefix, did, now), now);
}

export interface ListOverridesOptions {
  /** Called for each stored entry that cannot be read; the entry is skipped, not deleted. */
  onMalformed?: (did: string, problem: string) => void;
}

/**
 * Every override not yet expired at `now` (in force or scheduled), by DID then start; numbers
 * whose overrides all expired are swept on the way (not announced: nothing changes for a
 * daemon). An entry that cannot be read (written by hand) is skipped, so one bad entry never
 * hides the others.
 */
export async function listOverrides(redis: Redis, prefix: string, now: number, opts: ListOverridesOptions = {}): Promise<StoredOverride[]> {
  const k = overrideKeys(prefix);
  const all = await redis.hgetall(k.hash);
  const live: StoredOverride[] = [];
  const expired: Array<[string, string]> = [];
  for (const [did, json] of Object.entries(all)) {
    const list = parseStored(did, json);
    if (typeof list === 'string') {
      opts.onMalformed?.(did, list);
      continue;
    }
    const alive = list.filter((o) => isLive(o, now));
    if (alive.length === 0) expired.push([did, json]);
    live.push(...alive);
  }
  for (const [did, json] of expired) {
    // Only if still the same: an override set meanwhile stays.
    await runLua(redis, 'overrideReplace', [k.hash, k.channel, auditKey(prefix)], [did, '1', json, '', '0', '']).catch(() => undefined);
  }
  return live.sort((a, b) => a.did.localeCompare(b.did) || byStart(a, b));
}

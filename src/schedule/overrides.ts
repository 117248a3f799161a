import type { Override, Overrides } from './types';

// The rules for several overrides on one number. Pure: instants are passed in.
//
// - An override is in force at t when from <= t < until (a missing `from` is "since it was
//   set", a missing `until` is "until cleared").
// - When several are in force, the most recently set one applies (its `setAt`; on a tie the
//   one later in the list). So "open for an hour" set during a scheduled closure opens for
//   that hour, and the closure resumes afterwards.
// - An override that a newer one covers completely (the newer one's window contains its
//   window) can never apply again; addOverride drops it, so a number does not gather them.

export function overrideList(o: Overrides): readonly Override[] {
  if (o === undefined) return [];
  return isOverrideArray(o) ? o : [o];
}

function isOverrideArray(o: Override | readonly Override[]): o is readonly Override[] {
  return Array.isArray(o);
}

export function isInForce(o: Override, t: number): boolean {
  return (o.from === undefined || o.from <= t) && (o.until === undefined || t < o.until);
}

/** The override that applies at t: the most recently set among those in force; undefined when none is. */
export function overrideInForce<O extends Override>(overrides: O | readonly O[] | undefined, t: number): O | undefined {
  if (overrides === undefined) return undefined;
  if (!Array.isArray(overrides)) return isInForce(overrides as O, t) ? (overrides as O) : undefined;
  let best: O | undefined;
  for (const o of overrides as readonly O[]) {
    if (isInForce(o, t) && (best === undefined || (o.setAt ?? 0) >= (best.setAt ?? 0))) best = o;
  }
  return best;
}

/** Whether an override can still apply at t or later (it has not expired). */
export function isLive(o: Override, t: number): boolean {
  return o.until === undefined || t < o.until;
}

/** Every instant in (after, limit] at which an override starts or ends, ascending, without repeats. */
export function overrideBoundaries(overrides: readonly Override[], after: number, limit: number): number[] {
  const out = new Set<number>();
  for (const o of overrides) {
    if (o.from !== undefined && o.from > after && o.from <= limit) out.add(o.from);
    if (o.until !== undefined && o.until > after && o.until <= limit) out.add(o.until);
  }
  return [...out].sort((a, b) => a - b);
}

/** Whether `newer`'s window contains `older`'s from `now` on (what is left of it). */
export function covers(newer: Override, older: Override, now: number): boolean {
  const olderFrom = Math.max(older.from ?? now, now);
  const newerFrom = Math.max(newer.from ?? now, now);
  if (newerFrom > olderFrom) return false;
  if (newer.until === undefined) return true;
  return older.until !== undefined && older.until <= newer.until;
}

/**
 * The list after adding `added` (set at `now`, the newest): expired overrides and those the new
 * one covers completely are dropped, since none of them can apply again.
 */
export function addOverride<O extends Override>(list: readonly O[], added: O, now: number): O[] {
  return [...list.filter((o) => isLive(o, now) && !covers(added, o, now)), added];
}

// The schedule's vocabulary. The pure core owns these words; the config loader and the
// stores import them from here, never the other way round.

/** ISO weekday as luxon numbers it: 1 = Monday … 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** Minutes since local midnight. `end <= start` means the range runs past midnight. */
export interface TimeRange {
  start: number;
  end: number;
}

/**
 * A holiday rule as the operator wrote it. Rules are stored, not their dates: the engine
 * expands them for whatever year a decision needs, so a configuration never runs out.
 */
export type HolidaySpec =
  | { kind: 'date'; date: string } // YYYY-MM-DD
  | { kind: 'yearly'; month: number; day: number }
  | { kind: 'range'; from: string; to: string } // inclusive, YYYY-MM-DD
  | { kind: 'country'; country: string; state?: string; region?: string }
  /** `text` is the iCalendar file's content (the file lives on the pusher's machine); `path` names it. */
  | { kind: 'ics'; path: string; text: string };

/** What the engine needs of one number's schedule. Plain data: the engine does no I/O. */
export interface ScheduleInput {
  timezone: string;
  hours: Record<Weekday, TimeRange[]>;
  daysOff: Weekday[];
  holidays: readonly HolidaySpec[];
}

export type ClosedReason = 'holiday' | 'day-off' | 'outside-hours';
export type Reason = 'override' | 'working-hours' | ClosedReason;

/**
 * An operator's open/closed override. It is in force from `from` (inclusive) until `until`
 * (exclusive). A number may have several (a scheduled closure beside the current one): at any
 * instant the most recently set of those in force applies (overrideInForce in ./overrides).
 */
export interface Override {
  state: 'open' | 'closed';
  /** UTC ms from which the override applies; undefined = from when it was set (already in force). */
  from?: number;
  /** UTC ms after which the override no longer applies; undefined = until cleared. */
  until?: number;
  note?: string;
  /** UTC ms when it was set: among the overrides in force at an instant, the latest set wins (undefined counts as 0). */
  setAt?: number;
}

/** A number's overrides as the engine takes them: none, one, or several. */
export type Overrides = Override | readonly Override[] | undefined;

export interface Decision {
  open: boolean;
  reason: Reason;
  /** UTC ms of the next open/closed flip within 366 days, or null. */
  nextChange: number | null;
}

/** Looking further than this for the next change answers null. */
export const NEXT_CHANGE_HORIZON_MS = 366 * 86_400_000;

/**
 * The instants the engine decides: 1900-01-01 to 9999-12-31 UTC. Zone rules, holiday
 * calendars and ISO 8601's four-digit years all end there; outside it a caller gets a
 * refusal, not an answer that costs minutes.
 */
export const EARLIEST_INSTANT_MS = Date.UTC(1900, 0, 1);
export const LATEST_INSTANT_MS = Date.UTC(9999, 11, 31);

export function isDecidableInstant(t: number): boolean {
  return Number.isFinite(t) && t >= EARLIEST_INSTANT_MS && t <= LATEST_INSTANT_MS;
}

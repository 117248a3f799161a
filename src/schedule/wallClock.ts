import { weekdayOf } from './calendar';
import type { TimeRange } from './types';

// The schedule as a function of local wall-clock time (epoch day + minute of day).
// Everything about instants, zones and DST lives elsewhere; this is the whole rule book.

export const STATE_OPEN = 0;
export const STATE_HOLIDAY = 1;
export const STATE_DAY_OFF = 2;
export const STATE_OUTSIDE = 3;
export type StateCode = 0 | 1 | 2 | 3;

export interface WallSchedule {
  /** Ranges per ISO weekday, index 1..7 (index 0 unused). */
  readonly byWeekday: ReadonlyArray<ReadonlyArray<TimeRange>>;
  /** Bit w set when weekday w is a day off. */
  readonly daysOffMask: number;
  readonly holidays: { isHoliday(epochDay: number): boolean };
}

/** Ranges starting on this date count unless the date is a day off or a holiday. */
function rangesCount(s: WallSchedule, epochDay: number, weekday: number): boolean {
  return (s.daysOffMask & (1 << weekday)) === 0 && !s.holidays.isHoliday(epochDay);
}

export function wallState(s: WallSchedule, epochDay: number, minute: number): StateCode {
  const wd = weekdayOf(epochDay);
  if (rangesCount(s, epochDay, wd)) {
    const today = s.byWeekday[wd]!;
    for (let i = 0; i < today.length; i++) {
      const r = today[i]!;
      if (r.end > r.start ? minute >= r.start && minute < r.end : minute >= r.start) return STATE_OPEN;
    }
  }
  const pwd = wd === 1 ? 7 : wd - 1;
  const yesterday = s.byWeekday[pwd]!;
  for (let i = 0; i < yesterday.length; i++) {
    const r = yesterday[i]!;
    if (r.end <= r.start && minute < r.end && rangesCount(s, epochDay - 1, pwd)) return STATE_OPEN;
  }
  if (s.holidays.isHoliday(epochDay)) return STATE_HOLIDAY;
  if ((s.daysOffMask & (1 << wd)) !== 0 || s.byWeekday[wd]!.length === 0) return STATE_DAY_OFF;
  return STATE_OUTSIDE;
}

/**
 * Minutes of the day at which wallState can change, for each weekday, in one flat table:
 * entries [wd - 1] and [wd] (wd = 1..7) bound weekday wd's sorted, unique minutes, which
 * follow the 8-entry header. One small typed array per distinct set of hours, not eight.
 */
export function breakMinutes(byWeekday: WallSchedule['byWeekday']): Int16Array {
  const days: number[][] = [];
  for (let wd = 1; wd <= 7; wd++) {
    const set = new Set<number>([0]);
    for (const r of byWeekday[wd]!) {
      set.add(r.start);
      if (r.end > r.start && r.end < 1440) set.add(r.end);
    }
    const pwd = wd === 1 ? 7 : wd - 1;
    // The previous date's overnight ranges end on this one (an end at 00:00 is in already).
    for (const r of byWeekday[pwd]!) if (r.end <= r.start) set.add(r.end);
    days.push([...set].sort((a, b) => a - b));
  }
  const out = new Int16Array(8 + days.reduce((n, d) => n + d.length, 0));
  let at = 8;
  days.forEach((d, i) => {
    out[i] = at;
    out.set(d, at);
    at += d.length;
  });
  out[7] = at;
  return out;
}

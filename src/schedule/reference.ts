import { DateTime } from 'luxon';
import type { Weekday } from '../config/types';
import type { ClosedReason, ScheduleInput } from './types';
import { epochDayOf } from './calendar';

// A deliberately plain evaluator of the README's rules, written straight from the text with
// luxon and no precomputation. Slow; used by tests to check the compiled fast path.

function isHoliday(input: ScheduleInput, d: DateTime): boolean {
  return input.holidayDays.includes(epochDayOf(d.year, d.month, d.day));
}

function rangesOf(input: ScheduleInput, d: DateTime) {
  const wd = d.weekday as Weekday;
  if (input.daysOff.includes(wd) || isHoliday(input, d)) return [];
  return input.hours[wd] ?? [];
}

export function referenceState(input: ScheduleInput, t: number): { open: true } | { open: false; reason: ClosedReason } {
  const local = DateTime.fromMillis(t, { zone: input.timezone });
  if (!local.isValid) throw new Error(`invalid zone ${input.timezone}`);
  const minute = local.hour * 60 + local.minute;
  for (const r of rangesOf(input, local)) {
    const end = r.end > r.start ? r.end : 1440;
    if (minute >= r.start && minute < end) return { open: true };
  }
  // Yesterday's calendar date, computed on dates alone (wall times may not exist then).
  const yesterday = DateTime.fromObject({ year: local.year, month: local.month, day: local.day }, { zone: 'UTC' }).minus({ days: 1 });
  for (const r of rangesOf(input, yesterday)) {
    if (r.end <= r.start && minute < r.end) return { open: true };
  }
  if (isHoliday(input, local)) return { open: false, reason: 'holiday' };
  const wd = local.weekday as Weekday;
  if (input.daysOff.includes(wd) || (input.hours[wd] ?? []).length === 0) return { open: false, reason: 'day-off' };
  return { open: false, reason: 'outside-hours' };
}

import { DateTime } from 'luxon';
import type { ClosedReason, HolidaySpec, ScheduleInput, Weekday } from '../../src/schedule/types';

// A deliberately plain evaluator of the README's rules, written straight from the text with
// luxon and no precomputation. Slow; tests use it to check the compiled fast path. Holidays:
// the date forms only (dates, ranges, MM-DD), compared as ISO strings.

function isHoliday(input: ScheduleInput, d: DateTime): boolean {
  const iso = d.toISODate()!;
  const md = iso.slice(5);
  return input.holidays.some((h: HolidaySpec) => {
    switch (h.kind) {
      case 'date':
        return h.date === iso;
      case 'range':
        return h.from <= iso && iso <= h.to;
      case 'yearly':
        return md === `${String(h.month).padStart(2, '0')}-${String(h.day).padStart(2, '0')}`;
      default:
        throw new Error(`the reference evaluator does not expand ${h.kind} holidays`);
    }
  });
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

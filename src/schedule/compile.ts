import { MS_PER_DAY, MS_PER_MINUTE } from './calendar';
import { HolidayCalendars, type HolidayCalendar } from './holidays';
import { NEXT_CHANGE_HORIZON_MS, type ScheduleInput, type Weekday } from './types';
import { breakMinutes, STATE_OPEN, wallState, type StateCode, type WallSchedule } from './wallClock';
import type { ZoneOffsets, ZoneOffsetsCache } from './zoneOffsets';

/** The weekly tables of one set of hours; schedules with the same hours share one. */
export interface WeekTables {
  readonly byWeekday: WallSchedule['byWeekday'];
  readonly breaks: Int16Array;
}

/** Interns WeekTables by the hours they were built from (one per directory build). */
export type WeekTablesCache = Map<string, WeekTables>;

function weekTables(hours: ScheduleInput['hours'], cache: WeekTablesCache | undefined): WeekTables {
  let key = '';
  if (cache) {
    for (let w = 1; w <= 7; w++) {
      for (const r of hours[w as Weekday] ?? []) key += `${r.start}-${r.end},`;
      key += '|';
    }
    const hit = cache.get(key);
    if (hit) return hit;
  }
  const byWeekday: WallSchedule['byWeekday'] = [[], ...([1, 2, 3, 4, 5, 6, 7] as Weekday[]).map((w) => hours[w] ?? [])];
  const tables = { byWeekday, breaks: breakMinutes(byWeekday) };
  cache?.set(key, tables);
  return tables;
}

/**
 * A schedule compiled for fast decisions: the wall-clock rules plus the zone's offset
 * table. A decision is one binary search for the offset and a handful of integer
 * comparisons; no Date, no luxon, no allocation. It is its own WallSchedule, so a
 * number costs one small object; the weekly tables and the zone table are shared.
 */
export class CompiledSchedule implements WallSchedule {
  readonly byWeekday: WallSchedule['byWeekday'];
  readonly daysOffMask: number;
  readonly holidays: HolidayCalendar;
  private readonly breaks: Int16Array;

  constructor(
    readonly timezone: string,
    private readonly zone: ZoneOffsets,
    input: ScheduleInput,
    holidays: HolidayCalendars,
    cache?: WeekTablesCache,
  ) {
    const tables = weekTables(input.hours, cache);
    this.byWeekday = tables.byWeekday;
    this.breaks = tables.breaks;
    let mask = 0;
    for (const d of input.daysOff) mask |= 1 << d;
    this.daysOffMask = mask;
    this.holidays = holidays.get(input.holidays, zone);
  }

  /** The zone's UTC offset at t, in ms (from the table: no Intl call). */
  offsetAt(t: number): number {
    return this.zone.offsetAt(t);
  }

  /** The state (open, or why closed) at UTC instant t. */
  stateAt(t: number): StateCode {
    const local = t + this.zone.offsetAt(t);
    const day = Math.floor(local / MS_PER_DAY);
    return wallState(this, day, Math.floor((local - day * MS_PER_DAY) / MS_PER_MINUTE));
  }

  /**
   * Index (in ScheduleInput.holidays) of the first holiday rule that makes t's local date a
   * holiday, or -1: which holiday a `holiday` decision was about.
   */
  holidayRuleAt(t: number): number {
    return this.holidays.ruleAt(Math.floor((t + this.zone.offsetAt(t)) / MS_PER_DAY));
  }

  /** First instant after t, at most `horizonMs` later, at which open/closed flips; else null. */
  nextChange(t: number, horizonMs: number = NEXT_CHANGE_HORIZON_MS): number | null {
    const limit = t + horizonMs;
    const zone = this.zone;
    zone.ensure(t - MS_PER_DAY, limit + MS_PER_DAY);
    const wasOpen = this.stateAt(t) === STATE_OPEN;
    let seg = zone.segmentIndex(t);
    let from = t; // candidates must be > from
    for (;;) {
      const segEnd = zone.segmentEnd(seg);
      const off = zone.segmentOffset(seg);
      // Wall-clock breakpoints inside this constant-offset segment.
      const localFrom = from + off;
      const localEnd = Math.min(segEnd, limit + 1) + off;
      for (let day = Math.floor(localFrom / MS_PER_DAY); day * MS_PER_DAY < localEnd; day++) {
        const b = this.breaks;
        const wd = (((day + 3) % 7) + 7) % 7; // ISO weekday - 1
        for (let k = b[wd]!, end = b[wd + 1]!; k < end; k++) {
          const local = day * MS_PER_DAY + b[k]! * MS_PER_MINUTE;
          if (local <= localFrom) continue;
          if (local >= localEnd) break;
          if ((wallState(this, day, b[k]!) === STATE_OPEN) !== wasOpen) return local - off;
        }
      }
      // The table reaches a day past the limit (ensure above), so its last segment ends past
      // it too: this is where the walk stops.
      if (segEnd > limit) return null;
      // The wall clock jumps at the segment boundary.
      if ((this.stateAt(segEnd) === STATE_OPEN) !== wasOpen) return segEnd;
      from = segEnd;
      seg++;
    }
  }
}

/**
 * `cache` and `holidays` share weekly tables and holiday calendars between schedules
 * written alike (pass one of each per batch).
 */
export function compileSchedule(
  input: ScheduleInput,
  zones: ZoneOffsetsCache,
  cache?: WeekTablesCache,
  holidays: HolidayCalendars = new HolidayCalendars(),
): CompiledSchedule {
  return new CompiledSchedule(input.timezone, zones.get(input.timezone), input, holidays, cache);
}

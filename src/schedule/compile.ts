import type { Weekday } from '../config/types';
import { MS_PER_DAY, MS_PER_MINUTE } from './calendar';
import { NEXT_CHANGE_HORIZON_MS, type ScheduleInput } from './types';
import { breakMinutes, STATE_OPEN, wallState, type StateCode, type WallSchedule } from './wallClock';
import type { ZoneOffsets, ZoneOffsetsCache } from './zoneOffsets';

/**
 * A schedule compiled for fast decisions: the wall-clock rules plus the zone's offset
 * table. A decision is one binary search for the offset and a handful of integer
 * comparisons; no Date, no luxon, no allocation.
 */
export class CompiledSchedule {
  private readonly wall: WallSchedule;
  private readonly breaks: Int16Array[];

  constructor(readonly timezone: string, private readonly zone: ZoneOffsets, input: ScheduleInput) {
    const byWeekday: WallSchedule['byWeekday'] = [[], ...([1, 2, 3, 4, 5, 6, 7] as Weekday[]).map((w) => input.hours[w] ?? [])];
    let mask = 0;
    for (const d of input.daysOff) mask |= 1 << d;
    this.wall = { byWeekday, daysOffMask: mask, holidayDays: input.holidayDays };
    this.breaks = breakMinutes(this.wall);
  }

  /** The state (open, or why closed) at UTC instant t. */
  stateAt(t: number): StateCode {
    const local = t + this.zone.offsetAt(t);
    const day = Math.floor(local / MS_PER_DAY);
    return wallState(this.wall, day, Math.floor((local - day * MS_PER_DAY) / MS_PER_MINUTE));
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
        const mins = this.breaks[((((day + 3) % 7) + 7) % 7) + 1]!;
        for (let k = 0; k < mins.length; k++) {
          const local = day * MS_PER_DAY + mins[k]! * MS_PER_MINUTE;
          if (local <= localFrom) continue;
          if (local >= localEnd) break;
          if ((wallState(this.wall, day, mins[k]!) === STATE_OPEN) !== wasOpen) return local - off;
        }
      }
      if (segEnd > limit || segEnd >= zone.end) return null;
      // The wall clock jumps at the segment boundary.
      if ((this.stateAt(segEnd) === STATE_OPEN) !== wasOpen) return segEnd;
      from = segEnd;
      seg++;
    }
  }
}

export function compileSchedule(input: ScheduleInput, zones: ZoneOffsetsCache): CompiledSchedule {
  return new CompiledSchedule(input.timezone, zones.get(input.timezone), input);
}

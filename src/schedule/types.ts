import type { TimeRange, Weekday } from '../config/types';

/** What the engine needs of one number's schedule. Plain data: the engine does no I/O. */
export interface ScheduleInput {
  timezone: string;
  hours: Record<Weekday, TimeRange[]>;
  daysOff: Weekday[];
  /** Holiday dates as sorted epoch days (local calendar dates of the number's zone). */
  holidayDays: Int32Array;
}

export type ClosedReason = 'holiday' | 'day-off' | 'outside-hours';
export type Reason = 'override' | 'working-hours' | ClosedReason;

export interface Override {
  state: 'open' | 'closed';
  /** UTC ms after which the override no longer applies; undefined = until cleared. */
  until?: number;
  note?: string;
}

export interface Decision {
  open: boolean;
  reason: Reason;
  /** UTC ms of the next open/closed flip within 366 days, or null. */
  nextChange: number | null;
}

/** Looking further than this for the next change answers null. */
export const NEXT_CHANGE_HORIZON_MS = 366 * 86_400_000;

import type { CompiledSchedule } from './compile';
import { decide } from './decide';
import { NEXT_CHANGE_HORIZON_MS, type Overrides } from './types';

// A number's open intervals between two instants: holidays, days off and overrides applied,
// exactly as calls are decided (each interval runs from one flip of `decide` to the next).
// The console's week view and the iCalendar feed both use it. Pure.

export interface OpenInterval {
  /** UTC ms, inclusive. */
  start: number;
  /** UTC ms, exclusive. */
  end: number;
}

/** The longest window asked for at once: what nextChange looks ahead. */
export const MAX_INTERVALS_WINDOW_MS = NEXT_CHANGE_HORIZON_MS;

/**
 * The open intervals within [from, to), clipped to it, in order. Throws a RangeError for a
 * window that ends before it starts or is longer than MAX_INTERVALS_WINDOW_MS (366 days).
 */
export function openIntervals(schedule: CompiledSchedule, overrides: Overrides, from: number, to: number): OpenInterval[] {
  if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) throw new RangeError('the window must end after it starts');
  if (to - from > MAX_INTERVALS_WINDOW_MS) throw new RangeError('the window must be at most 366 days long');
  const out: OpenInterval[] = [];
  for (let t = from; t < to;) {
    const d = decide(schedule, overrides, t);
    // No change within 366 days of t: the state lasts past the window's end.
    const next = d.nextChange === null ? to : Math.min(d.nextChange, to);
    // nextChange is where the state flips, so open and closed alternate: no two open intervals touch.
    if (d.open) out.push({ start: t, end: next });
    t = next;
  }
  return out;
}

import type { CompiledSchedule } from './compile';
import { isInForce, overrideBoundaries, overrideInForce, overrideList } from './overrides';
import { NEXT_CHANGE_HORIZON_MS, type Decision, type Override, type Overrides, type Reason } from './types';
import { STATE_DAY_OFF, STATE_HOLIDAY, STATE_OPEN, type StateCode } from './wallClock';

const REASONS: Record<StateCode, Reason> = {
  [STATE_OPEN]: 'working-hours',
  [STATE_HOLIDAY]: 'holiday',
  [STATE_DAY_OFF]: 'day-off',
  3: 'outside-hours',
};

export function isOverrideActive(o: Override | undefined, t: number): o is Override {
  return o !== undefined && isInForce(o, t);
}

/**
 * Open or closed at t, why, and when that flips. The override in force (the most recently set
 * of those whose window contains t) beats the schedule; the flip accounts for overrides that
 * start or end later.
 */
export function decide(schedule: CompiledSchedule, overrides: Overrides, t: number): Decision {
  const list = overrideList(overrides);
  const o = overrideInForce(list, t);
  if (o !== undefined) {
    const open = o.state === 'open';
    return { open, reason: 'override', nextChange: nextFlip(schedule, list, t, open) };
  }
  const state = schedule.stateAt(t);
  const open = state === STATE_OPEN;
  return { open, reason: REASONS[state], nextChange: list.length === 0 ? schedule.nextChange(t) : nextFlip(schedule, list, t, open) };
}

/**
 * The first instant in (t, t + horizon] at which the number's state differs from `wasOpen`.
 * Between two override boundaries the override in force is the same, so each such segment is
 * either one override's state or the schedule's own flips.
 */
function nextFlip(schedule: CompiledSchedule, list: readonly Override[], t: number, wasOpen: boolean): number | null {
  const limit = t + NEXT_CHANGE_HORIZON_MS;
  const bounds = overrideBoundaries(list, t, limit);
  let cursor = t;
  for (let i = 0; i <= bounds.length; i++) {
    const last = i === bounds.length;
    const segEnd = last ? limit : bounds[i]!;
    const o = overrideInForce(list, cursor);
    if (cursor > t && (o === undefined ? schedule.stateAt(cursor) === STATE_OPEN : o.state === 'open') !== wasOpen) return cursor;
    if (o === undefined && segEnd > cursor) {
      const c = schedule.nextChange(cursor, segEnd - cursor);
      if (c !== null && (c < segEnd || last)) return c;
    }
    cursor = segEnd;
  }
  return null;
}

/** The hot-path half of `decide`: open and reason only. */
export function decideNow(schedule: CompiledSchedule, overrides: Overrides, t: number): { open: boolean; reason: Reason } {
  const o = overrideInForce(overrides, t);
  if (o !== undefined) return { open: o.state === 'open', reason: 'override' };
  const state = schedule.stateAt(t);
  return { open: state === STATE_OPEN, reason: REASONS[state] };
}

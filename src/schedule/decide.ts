import type { CompiledSchedule } from './compile';
import { NEXT_CHANGE_HORIZON_MS, type Decision, type Override, type Reason } from './types';
import { STATE_DAY_OFF, STATE_HOLIDAY, STATE_OPEN, type StateCode } from './wallClock';

const REASONS: Record<StateCode, Reason> = {
  [STATE_OPEN]: 'working-hours',
  [STATE_HOLIDAY]: 'holiday',
  [STATE_DAY_OFF]: 'day-off',
  3: 'outside-hours',
};

export function isOverrideActive(o: Override | undefined, t: number): o is Override {
  return o !== undefined && (o.until === undefined || t < o.until);
}

/** Open or closed at t, why, and when that flips. An active override beats the schedule. */
export function decide(schedule: CompiledSchedule, override: Override | undefined, t: number): Decision {
  if (isOverrideActive(override, t)) {
    const open = override.state === 'open';
    if (override.until === undefined || override.until - t > NEXT_CHANGE_HORIZON_MS) {
      return { open, reason: 'override', nextChange: null };
    }
    const until = override.until;
    if ((schedule.stateAt(until) === STATE_OPEN) !== open) return { open, reason: 'override', nextChange: until };
    return { open, reason: 'override', nextChange: schedule.nextChange(until, t + NEXT_CHANGE_HORIZON_MS - until) };
  }
  const state = schedule.stateAt(t);
  return { open: state === STATE_OPEN, reason: REASONS[state], nextChange: schedule.nextChange(t) };
}

/** The hot-path half of `decide`: open and reason only. */
export function decideNow(schedule: CompiledSchedule, override: Override | undefined, t: number): { open: boolean; reason: Reason } {
  if (isOverrideActive(override, t)) return { open: override.state === 'open', reason: 'override' };
  const state = schedule.stateAt(t);
  return { open: state === STATE_OPEN, reason: REASONS[state] };
}

import { DateTime } from 'luxon';
import type { AfterHoursPolicy } from './actions';
import { planCall, type PlanKind } from './afterHours';
import type { CompiledSchedule } from '../schedule/compile';
import { decide } from '../schedule/decide';
import type { Override, Reason } from '../schedule/types';

// One explanation of a decision: whether a number is open at an instant, why, what happens
// to a call and when that changes. `GET /decision` and `check --json` both print it, so the
// two answer with the same fields in the same format. Pure: the instant is passed in.

/** What the explanation needs of a configured number (the compiled NumberConfig is one). */
export interface ExplainedNumber {
  did: string;
  name: string;
  timezone: string;
  afterHours: AfterHoursPolicy;
}

export interface DecisionReport {
  did: string;
  name: string;
  timezone: string;
  /** The instant decided, ISO 8601 with the number's offset then. */
  at: string;
  /** The same instant as the number's wall clock shows it (ISO with its offset). */
  localTime: string;
  open: boolean;
  reason: Reason;
  /** `continue` (normal routing) or the after-hours action a call gets. */
  action: PlanKind;
  /** The next open/closed flip within 366 days, ISO with the number's offset then; null when none. */
  nextChange: string | null;
}

/** ISO 8601 in the number's zone, with its offset at that instant, whole seconds without fractions. */
export function isoInZone(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true }) ?? new Date(ms).toISOString();
}

export function explainDecision(entry: { number: ExplainedNumber; schedule: CompiledSchedule }, override: Override | undefined, instant: number): DecisionReport {
  const { number } = entry;
  const d = decide(entry.schedule, override, instant);
  const at = isoInZone(instant, number.timezone);
  return {
    did: number.did,
    name: number.name,
    timezone: number.timezone,
    at,
    localTime: at,
    open: d.open,
    reason: d.reason,
    action: planCall(d, number.afterHours).kind,
    nextChange: d.nextChange === null ? null : isoInZone(d.nextChange, number.timezone),
  };
}

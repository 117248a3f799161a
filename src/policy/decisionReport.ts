import { DateTime } from 'luxon';
import type { AfterHoursPolicy } from './actions';
import { decideCall, type NumberPolicies, type DispositionKind } from './afterHours';
import type { CallerMatch } from './callers';
import type { CompiledSchedule } from '../schedule/compile';
import { decide } from '../schedule/decide';
import type { HolidaySpec, Overrides, Reason } from '../schedule/types';

// One explanation of a decision: whether a number is open at an instant, why, what happens
// to a call and when that changes. `GET /decision` and `check --json` both print it, so the
// two answer with the same fields in the same format. Pure: the instant is passed in.

/** What the explanation needs of a configured number (the compiled NumberConfig is one). */
export interface ExplainedNumber extends NumberPolicies {
  did: string;
  name: string;
  timezone: string;
  afterHours: AfterHoursPolicy;
  holidays?: readonly HolidaySpec[];
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
  /** `continue` (normal routing) or the after-hours action a call gets (from this caller, when one is given). */
  action: DispositionKind;
  /** On a holiday: which rule (index in the number's holidays, from 0) and its name, or the rule as written when it has none. */
  holiday?: { rule: number; name: string };
  /** When closed and the action is not the number's own: the holiday's own policy, or the days-off one. */
  policy?: 'holiday' | 'days-off';
  /** Only when a caller is given: the caller as read (E.164 or anonymous) and the list entry that matched. */
  caller?: { number: string; rule: 'bypass' | 'block' | 'none'; entry?: string; cause?: string };
  /** The next open/closed flip within 366 days, ISO with the number's offset then; null when none. */
  nextChange: string | null;
}

/** ISO 8601 in the number's zone, with its offset at that instant, whole seconds without fractions. */
export function isoInZone(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true }) ?? new Date(ms).toISOString();
}

/**
 * `caller` (E.164 or ANONYMOUS, see callerFor) asks what a call from that number gets: its
 * callers.bypass / callers.block entry, if any, decides before the schedule's policy.
 */
export function explainDecision(
  entry: { number: ExplainedNumber; schedule: CompiledSchedule },
  overrides: Overrides,
  instant: number,
  caller?: string,
): DecisionReport {
  const { number } = entry;
  const d = decide(entry.schedule, overrides, instant);
  const at = isoInZone(instant, number.timezone);
  const holidayRule = d.reason === 'holiday' ? entry.schedule.holidayRuleAt(instant) : -1;
  const planned = decideCall({ open: d.open, reason: d.reason, holidayRule, caller }, number);
  const report: DecisionReport = {
    did: number.did,
    name: number.name,
    timezone: number.timezone,
    at,
    localTime: at,
    open: d.open,
    reason: d.reason,
    action: planned.plan.kind,
    nextChange: d.nextChange === null ? null : isoInZone(d.nextChange, number.timezone),
  };
  if (planned.holiday)
    report.holiday = { rule: planned.holiday.rule, name: planned.holiday.name ?? describeRule(number.holidays?.[planned.holiday.rule]) };
  if (!d.open && planned.source !== 'number' && planned.plan.reason !== 'caller-blocked' && planned.plan.reason !== 'caller-bypass')
    report.policy = planned.source;
  if (caller !== undefined) report.caller = callerReport(caller, planned.caller);
  return report;
}

function callerReport(caller: string, match: CallerMatch | undefined): NonNullable<DecisionReport['caller']> {
  if (!match) return { number: caller, rule: 'none' };
  return match.rule === 'block'
    ? { number: caller, rule: 'block', entry: match.entry, cause: match.cause }
    : { number: caller, rule: 'bypass', entry: match.entry };
}

/** A holiday rule as the operator wrote it, for a holiday without a name. */
function describeRule(spec: HolidaySpec | undefined): string {
  switch (spec?.kind) {
    case 'date':
      return spec.date;
    case 'yearly':
      return `${String(spec.month).padStart(2, '0')}-${String(spec.day).padStart(2, '0')}`;
    case 'range':
      return `${spec.from}..${spec.to}`;
    case 'country':
      return `public holiday (${[spec.country, spec.state, spec.region].filter((x) => x !== undefined).join('/')})`;
    case 'ics':
      return `iCalendar ${spec.path.split(/[\\/]/).pop() ?? spec.path}`;
    default:
      return 'holiday';
  }
}

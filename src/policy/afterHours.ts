import type { ActionName, AfterHoursPolicy, SettingsOf } from './actions';
import { matchCaller, type CallerMatch, type CallerRules } from './callers';
import type { Reason } from '../schedule/types';

// What to do with a call, given the schedule's decision. Pure, and the same for every
// action: the action's settings travel under its own name (`{ kind: 'hangup', hangup: … }`).

/** Why a call was planned as it was: the schedule's reason, or the caller's list entry. */
export type DispositionReason = Reason | 'caller-bypass' | 'caller-blocked';

/** A closed call's disposition: run action A with its settings (and the fallback its settings name). */
export type ActionDisposition = {
  [A in ActionName]: { kind: A; reason: DispositionReason; fallback?: CallDisposition } & { [K in A]: SettingsOf<A> };
}[ActionName];

/** What happens to one call: it continues to the office (open, or a bypass caller), or an action runs. */
export type CallDisposition = { kind: 'continue'; reason: DispositionReason } | ActionDisposition;

export type DispositionKind = CallDisposition['kind'];

/** The disposition of a call from the schedule's decision and one policy (no caller lists, no holiday policies: decideCall has those). */
export function dispositionFor(decision: { open: boolean; reason: Reason }, policy: AfterHoursPolicy): CallDisposition {
  if (decision.open) return { kind: 'continue', reason: decision.reason };
  return planAction(policy.action, decision.reason, policy, 0);
}

/** A holiday rule's own name and after-hours policy (either may be absent). */
export interface HolidayPolicy {
  name?: string;
  afterHours?: AfterHoursPolicy;
}

/** What planning needs of a number (the compiled NumberConfig is one). */
export interface NumberPolicies {
  afterHours: AfterHoursPolicy;
  /** The policy on days off (a weekday in daysOff or without hours); the number's when absent. */
  daysOffAfterHours?: AfterHoursPolicy;
  /** Parallel to the number's holiday rules: entry i belongs to rule i (null: nothing of its own). */
  holidayPolicies?: ReadonlyArray<HolidayPolicy | null>;
  callers?: CallerRules;
}

/** Whose after-hours policy a closed call gets. */
export type PolicySource = 'number' | 'days-off' | 'holiday';

/** The facts a call is planned from: the schedule's decision, which holiday rule (for `holiday`), and the caller. */
export interface CallFacts {
  open: boolean;
  reason: Reason;
  /** Index of the holiday rule that closed the day (schedule.holidayRuleAt), -1 or absent otherwise. */
  holidayRule?: number;
  /** E.164 or ANONYMOUS; absent when unknown (then no caller list applies). */
  caller?: string;
}

/** Everything decided for one call on a number: its disposition, and which policy, holiday and caller entry it came from. */
export interface CallDecision {
  plan: CallDisposition;
  /** The policy the plan came from: what the action's run() gets for its fallbacks. */
  policy: AfterHoursPolicy;
  source: PolicySource;
  /** The holiday rule (index, and its name when it has one) when the reason is `holiday`. */
  holiday?: { rule: number; name?: string };
  /** The caller list entry that matched, if any (it decides only when it bypasses a closed number or blocks). */
  caller?: CallerMatch;
}

/**
 * The whole decision for one call on a number. Order: a blocked caller is rejected with its cause (even
 * when open); an open number continues; a bypass caller continues on a closed number; a
 * closed call gets the holiday's own policy, else (on a holiday or a day off) the days-off
 * policy, else the number's.
 */
export function decideCall(facts: CallFacts, number: NumberPolicies): CallDecision {
  const caller = facts.caller === undefined ? undefined : matchCaller(number.callers, facts.caller);
  const holidayRule =
    facts.reason === 'holiday' && facts.holidayRule !== undefined && facts.holidayRule >= 0 ? facts.holidayRule : undefined;
  const own = holidayRule === undefined ? undefined : (number.holidayPolicies?.[holidayRule] ?? undefined);
  const holiday = holidayRule === undefined ? undefined : { rule: holidayRule, ...(own?.name !== undefined ? { name: own.name } : {}) };
  let policy = number.afterHours;
  let source: PolicySource = 'number';
  if (!facts.open) {
    if (own?.afterHours) {
      policy = own.afterHours;
      source = 'holiday';
    } else if ((facts.reason === 'holiday' || facts.reason === 'day-off') && number.daysOffAfterHours) {
      policy = number.daysOffAfterHours;
      source = 'days-off';
    }
  }
  const out = (plan: CallDisposition): CallDecision => ({
    plan,
    policy,
    source,
    ...(holiday ? { holiday } : {}),
    ...(caller ? { caller } : {}),
  });
  if (caller?.rule === 'block') {
    // Rejected without an announcement: the plain reject goes out first (the hangup prelude).
    return out({ kind: 'hangup', reason: 'caller-blocked', hangup: { cause: caller.cause } } as ActionDisposition);
  }
  if (facts.open) return out({ kind: 'continue', reason: facts.reason });
  if (caller?.rule === 'bypass') return out({ kind: 'continue', reason: 'caller-bypass' });
  return out(planAction(policy.action, facts.reason, policy, 0));
}

function planAction(action: ActionName, reason: DispositionReason, policy: AfterHoursPolicy, depth: number): CallDisposition {
  const settings = policy[action];
  if (settings === undefined) {
    // The loader refuses an action without its settings; for a closed call, voicemail is
    // the safe answer anyway (its settings always exist), and ringing the office the last.
    if (action !== 'voicemail' && policy.voicemail !== undefined) return planAction('voicemail', reason, policy, depth + 1);
    return { kind: 'continue', reason };
  }
  const plan = { kind: action, reason, [action]: settings } as unknown as ActionDisposition;
  // An action whose settings name a fallback action (a forward nobody answers) shows it in the plan.
  const fallback = (settings as { fallback?: unknown }).fallback;
  if (
    typeof fallback === 'string' &&
    fallback !== action &&
    fallback !== 'action' &&
    depth < 2 &&
    policy[fallback as ActionName] !== undefined
  ) {
    plan.fallback = planAction(fallback as ActionName, reason, policy, depth + 1);
  }
  return plan;
}

/** The settings of the plan's action. */
export function settingsOf<A extends ActionName>(plan: { kind: A }): SettingsOf<A> {
  return (plan as unknown as Record<A, SettingsOf<A>>)[plan.kind];
}

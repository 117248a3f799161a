import type { ActionName, AfterHoursPolicy, SettingsOf } from './actions';
import { matchCaller, type CallerMatch, type CallerRules } from './callers';
import type { Reason } from '../schedule/types';

// What to do with a call, given the schedule's decision. Pure, and the same for every
// action: the action's settings travel under its own name (`{ kind: 'hangup', hangup: … }`).

/** Why a call was planned as it was: the schedule's reason, or the caller's list entry. */
export type PlanReason = Reason | 'caller-bypass' | 'caller-blocked';

export type ActionPlan = {
  [A in ActionName]: { kind: A; reason: PlanReason; fallback?: CallPlan } & { [K in A]: SettingsOf<A> };
}[ActionName];

export type CallPlan = { kind: 'continue'; reason: PlanReason } | ActionPlan;

export type PlanKind = CallPlan['kind'];

export function planCall(decision: { open: boolean; reason: Reason }, policy: AfterHoursPolicy): CallPlan {
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

export interface PlannedCall {
  plan: CallPlan;
  /** The policy the plan came from: what the action's run() gets for its fallbacks. */
  policy: AfterHoursPolicy;
  source: PolicySource;
  /** The holiday rule (index, and its name when it has one) when the reason is `holiday`. */
  holiday?: { rule: number; name?: string };
  /** The caller list entry that matched, if any (it decides only when it bypasses a closed number or blocks). */
  caller?: CallerMatch;
}

/**
 * The whole plan for one call. Order: a blocked caller is rejected with its cause (even
 * when open); an open number continues; a bypass caller continues on a closed number; a
 * closed call gets the holiday's own policy, else (on a holiday or a day off) the days-off
 * policy, else the number's.
 */
export function planNumberCall(facts: CallFacts, number: NumberPolicies): PlannedCall {
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
  const out = (plan: CallPlan): PlannedCall => ({ plan, policy, source, ...(holiday ? { holiday } : {}), ...(caller ? { caller } : {}) });
  if (caller?.rule === 'block') {
    // Rejected without an announcement: the plain reject goes out first (the hangup prelude).
    return out({ kind: 'hangup', reason: 'caller-blocked', hangup: { cause: caller.cause } } as ActionPlan);
  }
  if (facts.open) return out({ kind: 'continue', reason: facts.reason });
  if (caller?.rule === 'bypass') return out({ kind: 'continue', reason: 'caller-bypass' });
  return out(planAction(policy.action, facts.reason, policy, 0));
}

function planAction(action: ActionName, reason: PlanReason, policy: AfterHoursPolicy, depth: number): CallPlan {
  const settings = policy[action];
  if (settings === undefined) {
    // The loader refuses an action without its settings; for a closed call, voicemail is
    // the safe answer anyway (its settings always exist), and ringing the office the last.
    if (action !== 'voicemail' && policy.voicemail !== undefined) return planAction('voicemail', reason, policy, depth + 1);
    return { kind: 'continue', reason };
  }
  const plan = { kind: action, reason, [action]: settings } as unknown as ActionPlan;
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

import type { ActionName, AfterHoursPolicy, SettingsOf } from './actions';
import type { Reason } from '../schedule/types';

// What to do with a call, given the schedule's decision. Pure, and the same for every
// action: the action's settings travel under its own name (`{ kind: 'hangup', hangup: … }`).

export type ActionPlan = {
  [A in ActionName]: { kind: A; reason: Reason; fallback?: CallPlan } & { [K in A]: SettingsOf<A> };
}[ActionName];

export type CallPlan = { kind: 'continue'; reason: Reason } | ActionPlan;

export type PlanKind = CallPlan['kind'];

export function planCall(decision: { open: boolean; reason: Reason }, policy: AfterHoursPolicy): CallPlan {
  if (decision.open) return { kind: 'continue', reason: decision.reason };
  return planAction(policy.action, decision.reason, policy, 0);
}

function planAction(action: ActionName, reason: Reason, policy: AfterHoursPolicy, depth: number): CallPlan {
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
  if (typeof fallback === 'string' && fallback !== action && fallback !== 'action' && depth < 2 && policy[fallback as ActionName] !== undefined) {
    plan.fallback = planAction(fallback as ActionName, reason, policy, depth + 1);
  }
  return plan;
}

/** The settings of the plan's action. */
export function settingsOf<A extends ActionName>(plan: { kind: A }): SettingsOf<A> {
  return (plan as unknown as Record<A, SettingsOf<A>>)[plan.kind];
}

import type { ActionName, AfterHoursPolicy, ForwardSettings, HangupSettings, VoicemailSettings } from '../config/types';
import type { Reason } from '../schedule/types';

// What to do with a call, given the schedule's decision. Pure.

export type CallPlan =
  | { kind: 'continue'; reason: Reason }
  | { kind: 'voicemail'; reason: Reason; voicemail: VoicemailSettings }
  | { kind: 'forward'; reason: Reason; forward: ForwardSettings; fallback: CallPlan }
  | { kind: 'hangup'; reason: Reason; hangup: HangupSettings };

export type PlanKind = CallPlan['kind'];

export function planCall(decision: { open: boolean; reason: Reason }, policy: AfterHoursPolicy): CallPlan {
  if (decision.open) return { kind: 'continue', reason: decision.reason };
  return planAction(policy.action, decision.reason, policy);
}

function planAction(action: ActionName, reason: Reason, policy: AfterHoursPolicy): CallPlan {
  switch (action) {
    case 'voicemail':
      return { kind: 'voicemail', reason, voicemail: policy.voicemail };
    case 'hangup':
      return { kind: 'hangup', reason, hangup: policy.hangup };
    case 'forward':
      // A forward without a target cannot pass validation; voicemail is the safe answer anyway.
      if (!policy.forward) return { kind: 'voicemail', reason, voicemail: policy.voicemail };
      return { kind: 'forward', reason, forward: policy.forward, fallback: planAction(policy.forward.fallback, reason, policy) };
  }
}

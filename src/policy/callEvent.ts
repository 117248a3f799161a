// The after-hours call event: the domain's record of one call handled outside working
// hours. config/schema/event.schema.json is its contract on the wire (validated by
// src/events/validate.ts); its actions' parts are generated from the action registry
// (npm run schemas).
import type { ActionName, CallOutcome, OutcomeOf, RecordedOutcome } from './actions';

export const EVENT_TYPE = 'after-hours.call';

/** The caller's number when it was withheld or could not be read. */
export const ANONYMOUS = 'anonymous';

/** Why the call was handled: the schedule's reason, or `caller-blocked` (a callers.block entry; open or not). */
export type CallReason = 'override' | 'holiday' | 'day-off' | 'outside-hours' | 'error' | 'caller-blocked';

export type Language = 'en' | 'pl';

/** A number's CRM settings; the event carries them as they were at the time of the call. */
export interface CrmSettings {
  /** Look the caller up in the CRM. */
  lookup: boolean;
  /** When the caller is not found: create a lead, or only offer it (notify, no record). */
  unknownCaller: 'lead' | 'offer';
  /** CRM user ids of the number's queue, in order. */
  queue: number[];
  /** Notify the first queue user (Bitrix24's behaviour) or all of them. */
  notify: 'first' | 'all';
  /** Language of notification texts. */
  language: Language;
  /**
   * The source a lead created for the caller gets (Bitrix24's CRM_SOURCE, a SOURCE status id such
   * as CALL); absent: the portal's default source.
   */
  source?: string;
}

interface EventBase {
  /** Unique per call; the idempotency key in the stream, the CRM and webhook receivers. */
  id: string;
  type: typeof EVENT_TYPE;
  /** ISO 8601 with offset. */
  time: string;
  did: string;
  name: string;
  timezone: string;
  /** E.164 or ANONYMOUS. */
  caller: string;
  reason: CallReason;
  /** On a holiday with a name: which one (its own action, if any, is the event's action). */
  holiday?: { name: string };
  crm: CrmSettings;
  /** The number's language (its sounds, the voicemail e-mail); absent in events from before it existed: crm.language then. */
  language?: Language;
  channel: { id: string; name: string };
  linkedid: string;
  /** Which Asterisk the call came in on (its entity id), when several share one stream. */
  asterisk?: { id: string };
}

/** The event of a call that action A handled: only A's outcomes. */
export type EventOf<A extends ActionName> = EventBase & { action: A; outcome: OutcomeOf<A> };

export type AfterHoursEvent = { [A in ActionName]: EventOf<A> }[ActionName];

export type { CallOutcome };

/** The voicemail a call left: its own outcome, or an unanswered forward's fallback; undefined when none. */
export function recordedVoicemail(event: AfterHoursEvent): RecordedOutcome | undefined {
  const o = event.outcome;
  if (o.kind === 'recorded') return o;
  if (o.kind === 'forwarded' && !o.answered && o.fallback?.kind === 'recorded') return o.fallback;
  return undefined;
}

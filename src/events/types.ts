// The after-hours call event. The core owns its words (src/policy/callEvent.ts and
// src/policy/actions.ts); this module re-exports them for the stream, the spool and the
// CRM side. config/schema/event.schema.json is the contract on the wire; validate.ts
// checks values against it.
export { ANONYMOUS, EVENT_TYPE } from '../policy/callEvent';
export type { AfterHoursEvent, CallOutcome, CallReason, CrmSettings, EventOf, Language } from '../policy/callEvent';
export type { CallerHungUpOutcome, HangupCause, RecordedOutcome, RecordingRef, RejectedOutcome } from '../policy/actions';

// The after-hours call event. Hand-written to match config/schema/event.schema.json,
// which is the contract; validate.ts checks values against that file.
import type { ActionName, CrmSettings, HangupCause } from '../config/types';

export const EVENT_TYPE = 'after-hours.call';

export type CallReason = 'override' | 'holiday' | 'day-off' | 'outside-hours' | 'error';

export interface RecordingRef {
  /** ARI stored recording name (GET /ari/recordings/stored/{name}/file). */
  name: string;
  /** File extension as Asterisk wrote it: wav, gsm, … */
  format: string;
  url?: string;
}

export interface RecordedOutcome {
  kind: 'recorded';
  recording: RecordingRef;
  durationSeconds: number;
}

/** The caller hung up before the action completed; allowed for every action. */
export interface CallerHungUpOutcome {
  kind: 'caller-hung-up';
  afterSeconds: number;
}

export interface RejectedOutcome {
  kind: 'rejected';
  cause: HangupCause;
}

export type ForwardFallbackOutcome = RecordedOutcome | CallerHungUpOutcome | RejectedOutcome;

export type ForwardedOutcome =
  | { kind: 'forwarded'; to: string; answered: true; durationSeconds?: number }
  | { kind: 'forwarded'; to: string; answered: false; fallback?: ForwardFallbackOutcome };

export type CallOutcome = RecordedOutcome | CallerHungUpOutcome | ForwardedOutcome | RejectedOutcome;

interface EventBase {
  /** Unique per call; the idempotency key in the stream, the CRM and webhook receivers. */
  id: string;
  type: typeof EVENT_TYPE;
  /** ISO 8601 with offset. */
  time: string;
  did: string;
  name: string;
  timezone: string;
  /** E.164 or 'anonymous'. */
  caller: string;
  reason: CallReason;
  crm: CrmSettings;
  channel: { id: string; name: string };
  linkedid: string;
}

export type VoicemailEvent = EventBase & { action: Extract<ActionName, 'voicemail'>; outcome: RecordedOutcome | CallerHungUpOutcome };
export type ForwardEvent = EventBase & { action: Extract<ActionName, 'forward'>; outcome: ForwardedOutcome | CallerHungUpOutcome };
export type HangupEvent = EventBase & { action: Extract<ActionName, 'hangup'>; outcome: RejectedOutcome | CallerHungUpOutcome };

export type AfterHoursEvent = VoicemailEvent | ForwardEvent | HangupEvent;

export const ANONYMOUS = 'anonymous';

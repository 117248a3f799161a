// The text of a missed-call notification: who called, which number, when (in the number's
// zone), why it was closed and what happened to the call. Pure: the event carries everything
// but the outcome's sentence, which is its action's (src/actions/outcomes.ts' outcomeText).
import { DateTime } from 'luxon';
import type { HangupCause } from './actions';
import { ANONYMOUS, type AfterHoursEvent, type CallReason, type Language } from './callEvent';
import type { CrmRecord } from './crmRecord';

interface Phrases {
  missedFrom: (caller: string) => string;
  anonymous: string;
  to: (name: string, did: string) => string;
  at: (local: string, zone: string) => string;
  dateFormat: string;
  reason: Record<CallReason, string>;
  closedBecause: (reason: string) => string;
  record: (type: CrmRecord['type'], id: number) => string;
  cause: Record<HangupCause, string>;
  duration: (minutes: number, seconds: number) => string;
}

const EN: Phrases = {
  missedFrom: (caller) => `Missed call from ${caller}`,
  anonymous: 'an anonymous caller',
  to: (name, did) => ` to ${name} (${did})`,
  at: (local, zone) => ` on ${local} (${zone}).`,
  dateFormat: 'yyyy-MM-dd HH:mm',
  reason: {
    override: 'closed by an override',
    holiday: 'a holiday',
    'day-off': 'a day off',
    'outside-hours': 'outside working hours',
    error: 'a fault in after-hours (fail-safe)',
    'caller-blocked': 'a blocked caller',
  },
  closedBecause: (reason) => `Closed: ${reason}.`,
  record: (type, id) => `CRM ${type.toLowerCase()} #${id}.`,
  cause: {
    busy: 'busy',
    congestion: 'congestion',
    no_answer: 'no answer',
    rejected: 'rejected',
    unallocated: 'number not in service',
    normal: 'declined',
    timeout: 'timeout',
  },
  duration: (m, s) => (m > 0 ? `${m} min ${s} s` : `${s} s`),
};

const PL: Phrases = {
  missedFrom: (caller) => `Nieodebrane połączenie od ${caller}`,
  anonymous: 'numeru zastrzeżonego',
  to: (name, did) => ` na numer ${name} (${did})`,
  at: (local, zone) => `, ${local} (${zone}).`,
  dateFormat: 'dd.MM.yyyy HH:mm',
  reason: {
    override: 'zamknięte ręcznie',
    holiday: 'święto',
    'day-off': 'dzień wolny',
    'outside-hours': 'poza godzinami pracy',
    error: 'awaria after-hours (tryb awaryjny)',
    'caller-blocked': 'numer zablokowany',
  },
  closedBecause: (reason) => `Powód: ${reason}.`,
  record: (type, id) => `CRM: ${({ CONTACT: 'kontakt', COMPANY: 'firma', LEAD: 'lead' } as const)[type]} #${id}.`,
  cause: {
    busy: 'zajęte',
    congestion: 'przeciążenie',
    no_answer: 'brak odpowiedzi',
    rejected: 'odrzucone',
    unallocated: 'numer nieaktywny',
    normal: 'odrzucone',
    timeout: 'przekroczony czas',
  },
  duration: (m, s) => (m > 0 ? `${m} min ${s} s` : `${s} s`),
};

const PHRASES: Record<Language, Phrases> = { en: EN, pl: PL };

export function formatDuration(totalSeconds: number, language: Language): string {
  const rounded = Math.max(0, Math.round(totalSeconds));
  return PHRASES[language].duration(Math.floor(rounded / 60), rounded % 60);
}

/** The call's local time in the number's zone, e.g. "2025-01-06 19:42" (en), "06.01.2025 19:42" (pl). */
export function formatLocalTime(iso: string, zone: string, language: Language): string {
  const local = DateTime.fromISO(iso, { setZone: true }).setZone(zone);
  return local.isValid ? local.toFormat(PHRASES[language].dateFormat) : iso;
}

/** A hang-up cause in words, e.g. "number not in service". */
export function causeText(cause: HangupCause, language: Language): string {
  return PHRASES[language].cause[cause];
}

export interface NotificationContext {
  /** The CRM record the call was attached to, if any. */
  record?: CrmRecord;
}

/** `outcome`: the sentence of the event's outcome in its language (its action's words). */
export function notificationText(event: AfterHoursEvent, outcome: string, context: NotificationContext = {}): string {
  const lang = event.crm.language;
  const p = PHRASES[lang];
  const caller = event.caller === ANONYMOUS ? p.anonymous : event.caller;
  const parts = [
    p.missedFrom(caller) + p.to(event.name, event.did) + p.at(formatLocalTime(event.time, event.timezone, lang), event.timezone),
    p.closedBecause(event.holiday ? `${p.reason[event.reason]} (${event.holiday.name})` : p.reason[event.reason]),
    outcome,
  ];
  if (context.record) parts.push(p.record(context.record.type, context.record.id));
  return parts.join(' ');
}

// The compiled, validated configuration: what the rest of after-hours consumes.
// Produced only by src/config/load.ts; every path is absolute, every number E.164,
// every default already applied.

import type { HolidaySpec, TimeRange, Weekday } from '../schedule/types';

export type { HolidaySpec, TimeRange, Weekday } from '../schedule/types';

export type ActionName = 'voicemail' | 'forward' | 'hangup';

/** ARI hang-up reasons; each maps to one SIP final response in chan_pjsip. */
export type HangupCause =
  | 'busy'
  | 'congestion'
  | 'no_answer'
  | 'rejected'
  | 'unallocated'
  | 'normal'
  | 'timeout';

export interface VoicemailSettings {
  /** Absolute path of the greeting, or undefined for the shipped default. */
  greeting?: string;
  maxSeconds: number;
  maxSilenceSeconds: number;
}

export interface ForwardSettings {
  /** E.164, validated: international, valid, not premium-rate, allowed country. */
  to: string;
  timeoutSeconds: number;
  fallback: 'voicemail' | 'hangup';
}

export interface HangupSettings {
  cause: HangupCause;
  /** Absolute path of an announcement played as early media before the reject. */
  announcement?: string;
}

export interface AfterHoursPolicy {
  action: ActionName;
  voicemail: VoicemailSettings;
  forward?: ForwardSettings; // present whenever action is 'forward'
  hangup: HangupSettings;
}

export type Language = 'en' | 'pl';

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
}

export interface NumberConfig {
  did: string; // E.164
  name: string;
  timezone: string; // IANA, validated
  hours: Record<Weekday, TimeRange[]>;
  daysOff: Weekday[];
  /** The rules as written; the engine expands them for any year. */
  holidays: HolidaySpec[];
  afterHours: AfterHoursPolicy;
  crm: CrmSettings;
}

export interface ForwardingSettings {
  /** Dial string template; `{number}` is replaced with the E.164 target. */
  endpoint: string;
  /**
   * ISO 3166 alpha-2 codes a forward may go to besides the called number's own country.
   * Premium-rate and shared-cost never; high-risk ranges only through `allowNumbers`.
   */
  allowCountries: string[];
  /** E.164 numbers or prefixes ("+88216") allowed on purpose: outside the countries or high-risk. */
  allowNumbers?: string[];
}

export interface AppConfig {
  /** Absolute path of the YAML file this came from. */
  file: string;
  region: string;
  timezone: string;
  forwarding: ForwardingSettings;
  numbers: NumberConfig[];
}

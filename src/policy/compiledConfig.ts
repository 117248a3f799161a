// The compiled, validated configuration: the core's words for what src/config/load.ts
// produces and the call path, the stores and the sounds consume. Every path is absolute,
// every number E.164, every default already applied.
import type { HolidaySpec, TimeRange, Weekday } from '../schedule/types';
import type { AfterHoursPolicy } from './actions';
import type { HolidayPolicy } from './afterHours';
import type { CallerRules } from './callers';
import type { CrmSettings, Language } from './callEvent';

export interface NumberConfig {
  did: string; // E.164
  name: string;
  timezone: string; // IANA, validated
  hours: Record<Weekday, TimeRange[]>;
  daysOff: Weekday[];
  /** The rules as written; the engine expands them for any year. */
  holidays: HolidaySpec[];
  /** Parallel to `holidays`: a rule's own name and after-hours policy (null: none); absent when no rule has one. */
  holidayPolicies?: Array<HolidayPolicy | null>;
  afterHours: AfterHoursPolicy;
  /** On days off, and on holidays without their own policy; `afterHours` when absent. */
  daysOffAfterHours?: AfterHoursPolicy;
  /** Callers that bypass the schedule or are always rejected; absent when both lists are empty. */
  callers?: CallerRules;
  crm: CrmSettings;
  /** Its sounds' and voicemail e-mail's language: `language`, else crm.language as written, else en. */
  language: Language;
  /** `fastPath: false` as written: its open calls always enter Stasis (src/policy/openUntil.ts); absent: on. */
  fastPath?: false;
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

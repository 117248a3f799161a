import type { ActionName } from '../policy/actions';
import type { CrmSettings, HangupCause, Language } from './types';

// The configuration as written, once the schema check has passed: what the loader's
// modules read before they compile it into an AppConfig (src/config/types.ts).

/** afterHours as written: the action, and each action's settings under its name. */
export type RawAfterHours = { action?: ActionName } & { [A in ActionName]?: Record<string, unknown> };
export type RawHolidayItem =
  string | { date?: string; country?: string; state?: string; region?: string; ics?: string; name?: string; afterHours?: RawAfterHours };
export interface RawCallers {
  bypass?: string[];
  block?: Array<string | { number: string; cause?: HangupCause }>;
}
export interface RawScheduleFields {
  timezone?: string;
  hours?: unknown;
  daysOff?: string[];
  holidays?: RawHolidayItem[];
  afterHours?: RawAfterHours;
  daysOffAfterHours?: RawAfterHours;
  callers?: RawCallers;
  crm?: Partial<CrmSettings>;
  language?: Language;
}
export type RawDefaults = RawScheduleFields & { region?: string };
export type RawNumber = RawScheduleFields & { did: string | number; name?: string; fastPath?: boolean };
export interface RawConfig {
  defaults?: RawDefaults;
  forwarding?: { endpoint?: string; allowCountries?: string[]; allowNumbers?: string[] };
  numbers: RawNumber[];
}

// The compiled, validated configuration (src/policy/compiledConfig.ts): what the rest of
// after-hours consumes. Produced only by src/config/load.ts.

// The words are the core's: the schedule's (src/schedule/types.ts), the actions'
// (src/policy/actions.ts, each action's settings in its module under src/actions/)
// and the event's (src/policy/callEvent.ts). Re-exported for the loader's callers.
export type { HolidaySpec, TimeRange, Weekday } from '../schedule/types';
export type { ActionName, AfterHoursPolicy, HangupCause } from '../policy/actions';
export type { CrmSettings, Language } from '../policy/callEvent';
export type { HolidayPolicy } from '../policy/afterHours';
export type { BlockedCaller, CallerRules } from '../policy/callers';
export type { AppConfig, ForwardingSettings, NumberConfig } from '../policy/compiledConfig';

import { dirname, isAbsolute, resolve } from 'node:path';
import { IANAZone } from 'luxon';
import { normaliseNumber } from '../phone/e164';
import { ACTIONS, ACTION_NAMES, actionOf } from '../ari/actions/registry';
import type { SettingsContext } from '../ari/actions/callAction';
import { parseAllowedPrefix, type ForwardRules } from '../phone/tollFraud';
import type { ActionName } from '../policy/actions';
import type { HolidayPolicy } from '../policy/afterHours';
import { parseCallerEntry, type BlockedCaller, type CallerRules } from '../policy/callers';
import { isValidCivilDate, parseIsoDate } from '../schedule/calendar';
import { isKnownCountry } from '../schedule/holidays';
import { ZoneOffsetsCache } from '../schedule/zoneOffsets';
import { checkAudioFile } from './audioFile';
import { MAX_CONFIG_BYTES, readRegularFile } from './boundedRead';
import type { ConfigError } from './errors';
import { parseDaysOff, parseHours, type SyntaxProblem } from './hoursSyntax';
import { loadIcsFile } from './icsFile';
import { checkAgainstSchema } from './schemaCheck';
import type { AfterHoursPolicy, AppConfig, CrmSettings, HangupCause, HolidaySpec, NumberConfig, TimeRange, Weekday } from './types';
import { YamlSource, type Path } from './yamlSource';

// The one config loader: YAML → schema check → meaning check → compiled AppConfig.
// Every problem is collected (not just the first) with the position where it was written.

export type LoadResult = { ok: true; config: AppConfig; zones: ZoneOffsetsCache } | { ok: false; errors: ConfigError[] };

export interface LoadOptions {
  /** The clock: the zone tables start around it, and iCalendar files are test-expanded for its year. */
  now?: number;
}

/** afterHours as written (schema-checked): the action, and each action's settings under its name. */
type RawAfterHours = { action?: ActionName } & { [A in ActionName]?: Record<string, unknown> };
type RawHolidayItem =
  string | { date?: string; country?: string; state?: string; region?: string; ics?: string; name?: string; afterHours?: RawAfterHours };
interface RawCallers {
  bypass?: string[];
  block?: Array<string | { number: string; cause?: HangupCause }>;
}
interface RawScheduleFields {
  timezone?: string;
  hours?: unknown;
  daysOff?: string[];
  holidays?: RawHolidayItem[];
  afterHours?: RawAfterHours;
  daysOffAfterHours?: RawAfterHours;
  callers?: RawCallers;
  crm?: Partial<CrmSettings>;
}
/** The holiday rules of one list, and their own names and policies (parallel; absent when none has any). */
interface ParsedHolidays {
  specs: HolidaySpec[];
  policies?: Array<HolidayPolicy | null>;
}
interface RawConfig {
  defaults?: RawScheduleFields & { region?: string };
  forwarding?: { endpoint?: string; allowCountries?: string[]; allowNumbers?: string[] };
  numbers: Array<RawScheduleFields & { did: string | number; name?: string }>;
}

export function loadConfig(file: string, options: LoadOptions = {}): LoadResult {
  // Only a regular file within the size limit is read: not /dev/zero, a FIFO or a folder.
  const read = readRegularFile(file, MAX_CONFIG_BYTES, 'configuration file');
  if (!read.ok) return { ok: false, errors: [{ file, line: 1, col: 1, message: read.error }] };
  return loadConfigText(file, read.text, options);
}

/** `file` names the source in errors and anchors relative paths. */
export function loadConfigText(file: string, text: string, options: LoadOptions = {}): LoadResult {
  const baseDir = dirname(resolve(file));
  if (text.trim() === '' || text.split('\n').every((l) => /^\s*(#.*)?$/.test(l))) {
    return { ok: false, errors: [{ file, line: 1, col: 1, message: 'the file is empty: it needs at least "numbers:"' }] };
  }
  const { source, errors: syntax } = YamlSource.parse(file, text);
  if (syntax.length > 0) return { ok: false, errors: syntax };
  const value = source.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, errors: [source.error([], 'the file must be a map with "numbers:" (and optionally "defaults:", "forwarding:")')] };
  }
  const schema = checkAgainstSchema(source, value);
  if (!schema.shapeOk) return { ok: false, errors: sortErrors(schema.errors) };

  const raw = value as RawConfig;
  const now = options.now ?? Date.now();
  const year = new Date(now).getUTCFullYear();
  // Only the starting window of the zone tables: they grow to whatever instant is asked.
  const zones = new ZoneOffsetsCache(now - 31 * 86_400_000, now + 2 * 366 * 86_400_000);
  const errors: ConfigError[] = [...schema.errors];
  const problem = (path: Path, message: string, key = false) => errors.push(source.error(path, message, key));
  const absPath = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));

  const d = raw.defaults ?? {};
  const region = d.region ?? 'US';
  const allowCountries = raw.forwarding?.allowCountries ?? [];
  const allowNumbers: string[] = [];
  (raw.forwarding?.allowNumbers ?? []).forEach((entry, i) => {
    const p = parseAllowedPrefix(String(entry));
    if (p.ok) allowNumbers.push(p.prefix);
    else problem(['forwarding', 'allowNumbers', i], `forwarding.allowNumbers: ${p.error}`);
  });
  const forwardRules: ForwardRules = { allowCountries, allowNumbers };

  // Per-load caches: many numbers share a zone or an ICS file, and both checks are slow
  // (an Intl.DateTimeFormat per zone check, a parse and RRULE expansion per ICS file).
  const zoneValid = new Map<string, boolean>();
  const icsLoaded = new Map<string, ReturnType<typeof loadIcsFile>>();
  const isValidZone = (tz: string) => {
    let ok = zoneValid.get(tz);
    if (ok === undefined) zoneValid.set(tz, (ok = IANAZone.isValidZone(tz)));
    return ok;
  };
  const loadIcs = (path: string) => {
    let loaded = icsLoaded.get(path);
    if (!loaded) icsLoaded.set(path, (loaded = loadIcsFile(path, year)));
    return loaded;
  };

  const checkZone = (tz: string | undefined, path: Path): boolean => {
    if (tz === undefined) return false;
    if (!isValidZone(tz)) {
      problem(path, `unknown time zone "${tz}" (use an IANA name such as Europe/Warsaw)`);
      return false;
    }
    return true;
  };
  // Numbers written alike share one parsed value (the config is immutable once loaded): with
  // 100k numbers, most repeat a few hours, holiday lists and policies. A value is shared only
  // when building it reported no problem, so every problem keeps its own position.
  const memo = new Map<string, unknown>();
  const shared = <T>(kind: string, raw: unknown, build: () => T): T => {
    const key = `${kind}\n${JSON.stringify(raw) ?? ''}`;
    if (memo.has(key)) return memo.get(key) as T;
    const before = errors.length;
    const value = build();
    if (errors.length === before) memo.set(key, value);
    return value;
  };
  const hoursOf = (v: unknown, path: Path) =>
    shared('hours', v, () => {
      const problems: SyntaxProblem[] = [];
      const h = parseHours(v, path, problems);
      for (const p of problems) problem(p.path, p.message, p.key ?? false);
      return h;
    });
  // A holiday's own afterHours is read over `base`, the policy of the level the list is
  // written at (defaults, or the number): the memo key includes what `base` came from.
  const holidaysOf = (
    list: NonNullable<RawScheduleFields['holidays']>,
    path: Path,
    base: () => AfterHoursPolicy,
    baseKey: unknown,
  ): ParsedHolidays => {
    const ownPolicies = list.some((item) => typeof item === 'object' && item !== null && item.afterHours !== undefined);
    return shared('holidays', ownPolicies ? [list, baseKey] : list, () => {
      const specs: HolidaySpec[] = [];
      const policies: Array<HolidayPolicy | null> = [];
      let any = false;
      list.forEach((item, i) => {
        const spec = parseHolidayItem(item, absPath, loadIcs);
        if ('error' in spec) {
          problem([...path, i], spec.error);
          return;
        }
        specs.push(spec.spec);
        if (typeof item === 'string' || (item.name === undefined && item.afterHours === undefined)) {
          policies.push(null);
          return;
        }
        any = true;
        const own: HolidayPolicy = {};
        if (item.name !== undefined) own.name = item.name;
        if (item.afterHours !== undefined)
          own.afterHours = checkedPolicy(policyOf(item.afterHours, [...path, i, 'afterHours'], base()), [...path, i, 'afterHours']);
        policies.push(own);
      });
      return any ? { specs, policies } : { specs };
    });
  };
  const callersOf = (raw: RawCallers, path: Path): CallerRules =>
    shared('callers', raw, () => {
      const seen = new Map<string, string>();
      const entry = (text: string, at: Path, list: string): string | undefined => {
        const e = parseCallerEntry(String(text));
        if (!e.ok) {
          problem(at, `${list}: ${e.error}`);
          return undefined;
        }
        const before = seen.get(e.entry);
        if (before !== undefined) {
          problem(at, `${list}: ${e.entry} is already in callers.${before}`);
          return undefined;
        }
        seen.set(e.entry, list === 'callers.bypass' ? 'bypass' : 'block');
        return e.entry;
      };
      const bypass: string[] = [];
      (raw.bypass ?? []).forEach((text, i) => {
        const e = entry(text, [...path, 'bypass', i], 'callers.bypass');
        if (e !== undefined) bypass.push(e);
      });
      const block: BlockedCaller[] = [];
      (raw.block ?? []).forEach((item, i) => {
        const written = typeof item === 'string' ? item : item.number;
        const e = entry(written, typeof item === 'string' ? [...path, 'block', i] : [...path, 'block', i, 'number'], 'callers.block');
        if (e !== undefined) block.push({ number: e, cause: (typeof item === 'string' ? undefined : item.cause) ?? 'rejected' });
      });
      return { bypass, block };
    });
  // Each action reads its own settings (src/ari/actions/): what this level writes over what
  // it inherits from defaults. A file written here is resolved and checked here.
  const settingsContext = (path: Path): SettingsContext => ({
    problem: (at, message) => problem([...path, ...at], message),
    audioFile: (f, at) => {
      const abs = absPath(f);
      const err = checkAudioFile(abs);
      if (err) problem([...path, ...at], err);
      return abs;
    },
    forwardRules,
  });
  const policyOf = (over: RawAfterHours | undefined, path: Path, base: AfterHoursPolicy | undefined): AfterHoursPolicy => {
    const policy = { action: over?.action ?? base?.action ?? 'voicemail' } as AfterHoursPolicy;
    const all = policy as unknown as Record<string, unknown>;
    for (const name of ACTION_NAMES) {
      const settings = ACTIONS[name].settings(over?.[name], base?.[name] as never, settingsContext([...path, name]));
      if (settings !== undefined) all[name] = settings;
    }
    return policy;
  };
  /** A policy written at `path` (a holiday's, days off) must have its chosen action's settings. */
  const checkedPolicy = (policy: AfterHoursPolicy, path: Path): AfterHoursPolicy => {
    const chosen = actionOf(policy.action);
    if (policy[policy.action] === undefined) {
      const needs = chosen.needs ? `afterHours.${policy.action}.${chosen.needs.key}` : `afterHours.${policy.action}`;
      problem([...path, 'action'], `action "${policy.action}" needs ${needs}${chosen.needs ? ` (${chosen.needs.hint})` : ''}`);
    }
    return policy;
  };
  /** What depends on the number called (a forward's country), for a policy other than the number's own. */
  const checkForNumber = (
    policy: AfterHoursPolicy,
    country: string | undefined,
    own: RawAfterHours | undefined,
    path: Path | undefined,
    numberPath: Path,
    what: string,
  ) => {
    const chosen = actionOf(policy.action);
    const settings = policy[policy.action];
    if (settings === undefined || !chosen.checkForNumber) return;
    const ownSettings = own?.[policy.action];
    const p = chosen.checkForNumber(settings as never, country, ownSettings, settingsContext(path ? [...path, policy.action] : numberPath));
    if (!p) return;
    const written = path !== undefined && ownSettings?.[p.key] !== undefined;
    problem(written ? [...path, policy.action, p.key] : numberPath, written ? p.error : `the ${what} ${policy.action}: ${p.error}`);
  };

  // Defaults are checked once, where they are written; numbers inherit the parsed values.
  const defaultZoneOk = checkZone(d.timezone, ['defaults', 'timezone']);
  const defaultHours = d.hours !== undefined ? hoursOf(d.hours, ['defaults', 'hours']) : undefined;
  const defaultPolicy = policyOf(d.afterHours, ['defaults', 'afterHours'], undefined);
  const defaultHolidays: ParsedHolidays = d.holidays
    ? holidaysOf(d.holidays, ['defaults', 'holidays'], () => defaultPolicy, 'defaults')
    : { specs: [] };
  const defaultDaysOff = d.daysOffAfterHours
    ? checkedPolicy(policyOf(d.daysOffAfterHours, ['defaults', 'daysOffAfterHours'], defaultPolicy), ['defaults', 'daysOffAfterHours'])
    : undefined;
  const defaultCallers = d.callers ? callersOf(d.callers, ['defaults', 'callers']) : undefined;
  const defaultCrm = crmOf(d.crm, undefined);

  const numbers: NumberConfig[] = [];
  const seen = new Map<string, number>();
  raw.numbers.forEach((n, i) => {
    const at = (...p: Array<string | number>): Path => ['numbers', i, ...p];
    const did = normaliseNumber(String(n.did), region);
    if (!did.ok) {
      problem(at('did'), `did: ${did.error}${String(n.did).startsWith('+') ? '' : ` (read with default region ${region})`}`);
    } else if (seen.has(did.e164)) {
      const first: Path = ['numbers', seen.get(did.e164)!, 'did'];
      errors.push(source.errorCiting(at('did'), first, (line) => `did ${did.e164} is already configured at line ${line}`));
    } else seen.set(did.e164, i);

    let timezone: string | undefined;
    if (n.timezone !== undefined) timezone = checkZone(n.timezone, at('timezone')) ? n.timezone : undefined;
    else if (defaultZoneOk) timezone = d.timezone;
    else if (d.timezone === undefined) problem(at(), 'no timezone: set "timezone" on the number or in defaults');

    let hours: Record<Weekday, TimeRange[]> | undefined;
    if (n.hours !== undefined) hours = hoursOf(n.hours, at('hours'));
    else hours = defaultHours;
    if (!hours) problem(at(), 'no hours: set "hours" on the number or in defaults (use {} for a number that is always closed)');

    const afterHours = shared('afterHours', n.afterHours, () => policyOf(n.afterHours, at('afterHours'), defaultPolicy));
    const holidays = n.holidays ? holidaysOf(n.holidays, at('holidays'), () => afterHours, n.afterHours ?? null) : defaultHolidays;
    // Days off: written on the number over its afterHours; else the defaults' (over the defaults' afterHours).
    const daysOffAfterHours =
      n.daysOffAfterHours !== undefined
        ? shared('daysOffAfterHours', [n.daysOffAfterHours, n.afterHours ?? null], () =>
            checkedPolicy(policyOf(n.daysOffAfterHours, at('daysOffAfterHours'), afterHours), at('daysOffAfterHours')),
          )
        : defaultDaysOff;
    const callers = n.callers !== undefined ? callersOf(n.callers, at('callers')) : defaultCallers;
    const chosen = actionOf(afterHours.action);
    const settings = afterHours[afterHours.action];
    if (settings === undefined) {
      const needs = chosen.needs ? `afterHours.${afterHours.action}.${chosen.needs.key}` : `afterHours.${afterHours.action}`;
      if (n.afterHours?.action === afterHours.action)
        problem(at('afterHours', 'action'), `action "${afterHours.action}" needs ${needs}${chosen.needs ? ` (${chosen.needs.hint})` : ''}`);
      else problem(at('did'), `the after-hours action "${afterHours.action}" from defaults needs ${needs} on this number or in defaults`);
    } else if (did.ok && chosen.checkForNumber) {
      // What depends on the number called (a forward's country), so per number.
      const own = n.afterHours?.[afterHours.action];
      const p = chosen.checkForNumber(settings as never, did.country, own, settingsContext(at('afterHours', afterHours.action)));
      if (p) {
        const written = own?.[p.key] !== undefined;
        problem(
          written ? at('afterHours', afterHours.action, p.key) : at('did'),
          written ? p.error : `the ${afterHours.action} from defaults: ${p.error}`,
        );
      }
    }
    if (did.ok) {
      if (daysOffAfterHours) {
        const own = n.daysOffAfterHours !== undefined;
        checkForNumber(
          daysOffAfterHours,
          did.country,
          own ? n.daysOffAfterHours : undefined,
          own ? at('daysOffAfterHours') : undefined,
          at('did'),
          'daysOffAfterHours from defaults:',
        );
      }
      (holidays.policies ?? []).forEach((h, i) => {
        if (!h?.afterHours) return;
        const own = n.holidays !== undefined;
        const rawItem = own ? n.holidays![i] : undefined;
        const ownRaw = typeof rawItem === 'object' ? rawItem.afterHours : undefined;
        checkForNumber(
          h.afterHours,
          did.country,
          ownRaw,
          own ? at('holidays', i, 'afterHours') : undefined,
          at('did'),
          `holiday ${h.name ?? i + 1} from defaults:`,
        );
      });
    }
    if (!did.ok || !timezone || !hours) return;
    numbers.push({
      did: did.e164,
      name: n.name ?? did.e164,
      timezone,
      hours,
      daysOff: shared('daysOff', n.daysOff ?? d.daysOff, () => parseDaysOff(n.daysOff ?? d.daysOff)),
      holidays: holidays.specs,
      ...(holidays.policies ? { holidayPolicies: holidays.policies } : {}),
      afterHours,
      ...(daysOffAfterHours ? { daysOffAfterHours } : {}),
      ...(callers && (callers.bypass.length > 0 || callers.block.length > 0) ? { callers } : {}),
      crm: shared('crm', n.crm, () => crmOf(n.crm, defaultCrm)),
    });
  });

  if (errors.length > 0) return { ok: false, errors: sortErrors(errors) };
  return {
    ok: true,
    zones,
    config: {
      file: resolve(file),
      region,
      timezone: d.timezone ?? 'UTC',
      forwarding: {
        endpoint: raw.forwarding?.endpoint ?? 'PJSIP/{number}@trunk',
        allowCountries,
        ...(allowNumbers.length > 0 ? { allowNumbers } : {}),
      },
      numbers,
    },
  };
}

function crmOf(over: Partial<CrmSettings> | undefined, base: CrmSettings | undefined): CrmSettings {
  return {
    lookup: over?.lookup ?? base?.lookup ?? true,
    unknownCaller: over?.unknownCaller ?? base?.unknownCaller ?? 'lead',
    queue: over?.queue ?? base?.queue ?? [],
    notify: over?.notify ?? base?.notify ?? 'first',
    language: over?.language ?? base?.language ?? 'en',
  };
}

function parseHolidayItem(
  item: RawHolidayItem,
  absPath: (p: string) => string,
  loadIcs: (absolutePath: string) => ReturnType<typeof loadIcsFile>,
): { spec: HolidaySpec } | { error: string } {
  if (typeof item === 'object' && item.date !== undefined) {
    if (item.ics !== undefined || item.country !== undefined || item.state !== undefined || item.region !== undefined) {
      return { error: 'a holiday entry has one of "date", "country" or "ics"' };
    }
    return parseHolidayItem(String(item.date), absPath, loadIcs);
  }
  if (typeof item === 'string') {
    const text = item.trim();
    const range = /^(.+?)\s*\.\.\s*(.+)$/.exec(text);
    if (range) {
      const a = parseIsoDate(range[1]!);
      const b = parseIsoDate(range[2]!);
      if (a === undefined || b === undefined) return { error: `holiday range "${text}" needs two real dates as YYYY-MM-DD..YYYY-MM-DD` };
      if (b < a) return { error: `holiday range "${text}" ends before it starts` };
      return { spec: { kind: 'range', from: range[1]!, to: range[2]! } };
    }
    if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
      return parseIsoDate(text) === undefined ? { error: `holiday "${text}" is not a real date` } : { spec: { kind: 'date', date: text } };
    }
    const yearly = /^(\d{2})-(\d{2})$/.exec(text);
    if (yearly) {
      const [month, day] = [Number(yearly[1]), Number(yearly[2])];
      // 2024 is a leap year, so 02-29 passes and 02-30 does not.
      if (!isValidCivilDate(2024, month, day)) return { error: `holiday "${text}" is not a real month-day (MM-DD)` };
      return { spec: { kind: 'yearly', month, day } };
    }
    return { error: `holiday "${text}" is not YYYY-MM-DD, MM-DD or YYYY-MM-DD..YYYY-MM-DD` };
  }
  if (item.ics !== undefined) {
    if (item.country !== undefined || item.state !== undefined || item.region !== undefined)
      return { error: 'a holiday entry has either "ics" or "country", not both' };
    const path = absPath(item.ics);
    const loaded = loadIcs(path);
    if ('error' in loaded) return { error: loaded.error };
    return { spec: { kind: 'ics', path, text: loaded.text } };
  }
  if (item.country !== undefined) {
    if (!isKnownCountry(item.country)) return { error: `unknown country "${item.country}" for public holidays` };
    if (item.region !== undefined && item.state === undefined) return { error: '"region" needs "state"' };
    if (!isKnownCountry(item.country, item.state, item.region)) {
      return { error: `unknown ${item.region !== undefined ? 'region' : 'state'} "${item.region ?? item.state}" in ${item.country}` };
    }
    return { spec: { kind: 'country', country: item.country, state: item.state, region: item.region } };
  }
  return { error: 'a holiday entry needs a date string, "date", "country" or "ics"' };
}

function sortErrors(errors: ConfigError[]): ConfigError[] {
  return errors.sort((a, b) => a.line - b.line || a.col - b.col);
}

import { normaliseNumber } from '../phone/e164';
import { parseDaysOff, parseHours, type SyntaxProblem } from './hoursSyntax';
import { PolicySections, type ParsedHolidays, type SectionContext } from './policySections';
import type { RawDefaults, RawNumber } from './rawConfig';
import type { AfterHoursPolicy, CallerRules, CrmSettings, Language, NumberConfig, TimeRange, Weekday } from './types';
import type { Path } from './yamlSource';

// The per-number build: each entry of "numbers:" read over the defaults into a NumberConfig.
// Defaults are checked once, where they are written; numbers inherit the parsed values.

interface ParsedDefaults {
  zoneOk: boolean;
  hours?: Record<Weekday, TimeRange[]>;
  policy: AfterHoursPolicy;
  holidays: ParsedHolidays;
  daysOff?: AfterHoursPolicy;
  callers?: CallerRules;
  /** crm as written in defaults: each number completes it (its language decides crm.language when unwritten). */
  crm: Partial<CrmSettings>;
}

export class NumberBuilder {
  private readonly sections: PolicySections;
  private readonly defaults: ParsedDefaults;
  /** E.164 → index of the number that configured it first. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ctx: SectionContext,
    private readonly d: RawDefaults,
    private readonly region: string,
  ) {
    const sections = (this.sections = new PolicySections(ctx));
    const zoneOk = this.checkZone(d.timezone, ['defaults', 'timezone']);
    const hours = d.hours !== undefined ? this.hoursOf(d.hours, ['defaults', 'hours']) : undefined;
    const policy = sections.policyOf(d.afterHours, ['defaults', 'afterHours'], undefined);
    const holidays = d.holidays ? sections.holidaysOf(d.holidays, ['defaults', 'holidays'], () => policy, 'defaults') : { specs: [] };
    const daysOff = d.daysOffAfterHours
      ? sections.checkedPolicy(sections.policyOf(d.daysOffAfterHours, ['defaults', 'daysOffAfterHours'], policy), [
          'defaults',
          'daysOffAfterHours',
        ])
      : undefined;
    const callers = d.callers ? sections.callersOf(d.callers, ['defaults', 'callers']) : undefined;
    this.defaults = { zoneOk, hours, policy, holidays, daysOff, callers, crm: d.crm ?? {} };
  }

  /** numbers[i]; undefined when it has a problem (reported) that leaves no number to route. */
  build(n: RawNumber, i: number): NumberConfig | undefined {
    const { d, defaults, sections, region } = this;
    const { problems, cache } = this.ctx;
    const at = (...p: Array<string | number>): Path => ['numbers', i, ...p];
    const did = normaliseNumber(String(n.did), region);
    if (!did.ok) {
      problems.add(at('did'), `did: ${did.error}${String(n.did).startsWith('+') ? '' : ` (read with default region ${region})`}`);
    } else if (this.seen.has(did.e164)) {
      const first: Path = ['numbers', this.seen.get(did.e164)!, 'did'];
      problems.citing(at('did'), first, (line) => `did ${did.e164} is already configured at line ${line}`);
    } else this.seen.set(did.e164, i);

    let timezone: string | undefined;
    if (n.timezone !== undefined) timezone = this.checkZone(n.timezone, at('timezone')) ? n.timezone : undefined;
    else if (defaults.zoneOk) timezone = d.timezone;
    else if (d.timezone === undefined) problems.add(at(), 'no timezone: set "timezone" on the number or in defaults');

    let hours: Record<Weekday, TimeRange[]> | undefined;
    if (n.hours !== undefined) hours = this.hoursOf(n.hours, at('hours'));
    else hours = defaults.hours;
    if (!hours) problems.add(at(), 'no hours: set "hours" on the number or in defaults (use {} for a number that is always closed)');

    const afterHours = cache.shared('afterHours', n.afterHours, () => sections.policyOf(n.afterHours, at('afterHours'), defaults.policy));
    const holidays = n.holidays
      ? sections.holidaysOf(n.holidays, at('holidays'), () => afterHours, n.afterHours ?? null)
      : defaults.holidays;
    // Days off: written on the number over its afterHours; else the defaults' (over the defaults' afterHours).
    const daysOffAfterHours =
      n.daysOffAfterHours !== undefined
        ? cache.shared('daysOffAfterHours', [n.daysOffAfterHours, n.afterHours ?? null], () =>
            sections.checkedPolicy(sections.policyOf(n.daysOffAfterHours, at('daysOffAfterHours'), afterHours), at('daysOffAfterHours')),
          )
        : defaults.daysOff;
    const callers = n.callers !== undefined ? sections.callersOf(n.callers, at('callers')) : defaults.callers;
    sections.checkNumberPolicy(afterHours, n.afterHours, did.ok ? did : undefined, at);
    if (did.ok) {
      if (daysOffAfterHours) {
        const own = n.daysOffAfterHours !== undefined;
        sections.checkForNumber(
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
        sections.checkForNumber(
          h.afterHours,
          did.country,
          ownRaw,
          own ? at('holidays', i, 'afterHours') : undefined,
          at('did'),
          `holiday ${h.name ?? i + 1} from defaults:`,
        );
      });
    }
    if (!did.ok || !timezone || !hours) return undefined;
    // The number's language; crm.language follows it unless written (here or in defaults).
    const language: Language = n.language ?? d.language ?? n.crm?.language ?? d.crm?.language ?? 'en';
    return {
      did: did.e164,
      name: n.name ?? did.e164,
      timezone,
      hours,
      daysOff: cache.shared('daysOff', n.daysOff ?? d.daysOff, () => parseDaysOff(n.daysOff ?? d.daysOff)),
      holidays: holidays.specs,
      ...(holidays.policies ? { holidayPolicies: holidays.policies } : {}),
      afterHours,
      ...(daysOffAfterHours ? { daysOffAfterHours } : {}),
      ...(callers && (callers.bypass.length > 0 || callers.block.length > 0) ? { callers } : {}),
      crm: cache.shared('crm', [n.crm ?? null, language], () => crmOf(n.crm, defaults.crm, language)),
      language,
      ...(n.fastPath === false ? { fastPath: false as const } : {}),
    };
  }

  private checkZone(tz: string | undefined, path: Path): boolean {
    if (tz === undefined) return false;
    if (!this.ctx.cache.isValidZone(tz)) {
      this.ctx.problems.add(path, `unknown time zone "${tz}" (use an IANA name such as Europe/Warsaw)`);
      return false;
    }
    return true;
  }

  private hoursOf(v: unknown, path: Path): Record<Weekday, TimeRange[]> | undefined {
    return this.ctx.cache.shared('hours', v, () => {
      const problems: SyntaxProblem[] = [];
      const h = parseHours(v, path, problems);
      for (const p of problems) this.ctx.problems.add(p.path, p.message, p.key ?? false);
      return h;
    });
  }
}

/** `base.language` is the one written in defaults, if any; `language` (the number's) when neither level wrote one. */
function crmOf(over: Partial<CrmSettings> | undefined, base: Partial<CrmSettings> | undefined, language: Language): CrmSettings {
  const source = over?.source ?? base?.source;
  return {
    lookup: over?.lookup ?? base?.lookup ?? true,
    unknownCaller: over?.unknownCaller ?? base?.unknownCaller ?? 'lead',
    queue: over?.queue ?? base?.queue ?? [],
    notify: over?.notify ?? base?.notify ?? 'first',
    language: over?.language ?? base?.language ?? language,
    ...(source !== undefined ? { source } : {}),
  };
}

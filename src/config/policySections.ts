import { ACTIONS, ACTION_NAMES, actionOf } from '../actions/registry';
import type { SettingsContext } from '../actions/callAction';
import type { ForwardRules } from '../phone/tollFraud';
import type { HolidayPolicy } from '../policy/afterHours';
import { parseCallerEntry, type BlockedCaller, type CallerRules } from '../policy/callers';
import { checkAudioFile } from '../sounds/audioFile';
import { renderValue } from './errors';
import { soundNameProblem, storedSoundName } from '../sounds/soundRefs';
import { parseHolidayItem } from './holidaySyntax';
import type { LoadCache, LoadProblems } from './loadCache';
import type { RawAfterHours, RawCallers, RawHolidayItem } from './rawConfig';
import type { AfterHoursPolicy, HolidaySpec } from './types';
import type { Path } from './yamlSource';

// The policy sections of a schedule, read at whatever level they are written (defaults, a
// number, a holiday): the after-hours actions with their settings, days off's policy, the
// holiday list with each holiday's own policy, and the callers that bypass or are blocked.

/** The holiday rules of one list, and their own names and policies (parallel; absent when none has any). */
export interface ParsedHolidays {
  specs: HolidaySpec[];
  policies?: Array<HolidayPolicy | null>;
}

export interface SectionContext {
  problems: LoadProblems;
  cache: LoadCache;
  /** A path as written, resolved against the configuration file's folder. */
  absPath: (p: string) => string;
  /** Why this load may not read a path (outside its file scope: a push through the console), or undefined. */
  refusal?: (absPath: string, written: string) => string | undefined;
  forwardRules: ForwardRules;
}

export class PolicySections {
  constructor(private readonly ctx: SectionContext) {}

  /** `over` read over `base`: each action reads its own settings (src/actions/). */
  policyOf(over: RawAfterHours | undefined, path: Path, base: AfterHoursPolicy | undefined): AfterHoursPolicy {
    const policy = { action: over?.action ?? base?.action ?? 'voicemail' } as AfterHoursPolicy;
    const all = policy as unknown as Record<string, unknown>;
    for (const name of ACTION_NAMES) {
      const settings = ACTIONS[name].settings(over?.[name], base?.[name] as never, this.settingsContext([...path, name]));
      if (settings !== undefined) all[name] = settings;
    }
    return policy;
  }

  /** A policy written at `path` (a holiday's, days off) must have its chosen action's settings. */
  checkedPolicy(policy: AfterHoursPolicy, path: Path): AfterHoursPolicy {
    const chosen = actionOf(policy.action);
    if (policy[policy.action] === undefined) {
      const needs = chosen.needs ? `afterHours.${policy.action}.${chosen.needs.key}` : `afterHours.${policy.action}`;
      this.ctx.problems.add(
        [...path, 'action'],
        `action "${policy.action}" needs ${needs}${chosen.needs ? ` (${chosen.needs.hint})` : ''}`,
      );
    }
    return policy;
  }

  /**
   * A number's own afterHours: its action must have settings (written on the number or
   * inherited), and what depends on the number called (a forward's country) is checked per
   * number, when `called` (the number, parsed) is valid.
   */
  checkNumberPolicy(
    afterHours: AfterHoursPolicy,
    written: RawAfterHours | undefined,
    called: { country?: string } | undefined,
    at: (...p: Array<string | number>) => Path,
  ): void {
    const problems = this.ctx.problems;
    const chosen = actionOf(afterHours.action);
    const settings = afterHours[afterHours.action];
    if (settings === undefined) {
      const needs = chosen.needs ? `afterHours.${afterHours.action}.${chosen.needs.key}` : `afterHours.${afterHours.action}`;
      if (written?.action === afterHours.action)
        problems.add(
          at('afterHours', 'action'),
          `action "${afterHours.action}" needs ${needs}${chosen.needs ? ` (${chosen.needs.hint})` : ''}`,
        );
      else
        problems.add(at('did'), `the after-hours action "${afterHours.action}" from defaults needs ${needs} on this number or in defaults`);
    } else if (called && chosen.checkForNumber) {
      const own = written?.[afterHours.action];
      const p = chosen.checkForNumber(settings as never, called.country, own, this.settingsContext(at('afterHours', afterHours.action)));
      if (p) {
        const ownKey = own?.[p.key] !== undefined;
        problems.add(
          ownKey ? at('afterHours', afterHours.action, p.key) : at('did'),
          ownKey ? p.error : `the ${afterHours.action} from defaults: ${p.error}`,
        );
      }
    }
  }

  /** What depends on the number called (a forward's country), for a policy other than the number's own. */
  checkForNumber(
    policy: AfterHoursPolicy,
    country: string | undefined,
    own: RawAfterHours | undefined,
    path: Path | undefined,
    numberPath: Path,
    what: string,
  ): void {
    const chosen = actionOf(policy.action);
    const settings = policy[policy.action];
    if (settings === undefined || !chosen.checkForNumber) return;
    const ownSettings = own?.[policy.action];
    const p = chosen.checkForNumber(
      settings as never,
      country,
      ownSettings,
      this.settingsContext(path ? [...path, policy.action] : numberPath),
    );
    if (!p) return;
    const written = path !== undefined && ownSettings?.[p.key] !== undefined;
    this.ctx.problems.add(
      written ? [...path, policy.action, p.key] : numberPath,
      written ? p.error : `the ${what} ${policy.action}: ${p.error}`,
    );
  }

  /**
   * A holiday list. A holiday's own afterHours is read over `base`, the policy of the level the
   * list is written at (defaults, or the number): the memo key includes what `base` came from.
   */
  holidaysOf(list: RawHolidayItem[], path: Path, base: () => AfterHoursPolicy, baseKey: unknown): ParsedHolidays {
    const { cache, problems } = this.ctx;
    const ownPolicies = list.some((item) => typeof item === 'object' && item !== null && item.afterHours !== undefined);
    return cache.shared('holidays', ownPolicies ? [list, baseKey] : list, () => {
      const specs: HolidaySpec[] = [];
      const policies: Array<HolidayPolicy | null> = [];
      let any = false;
      list.forEach((item, i) => {
        const spec = parseHolidayItem(item, this.ctx.absPath, (p, written) => cache.loadIcs(p, written));
        if ('error' in spec) {
          problems.add([...path, i], spec.error);
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
          own.afterHours = this.checkedPolicy(this.policyOf(item.afterHours, [...path, i, 'afterHours'], base()), [
            ...path,
            i,
            'afterHours',
          ]);
        policies.push(own);
      });
      return any ? { specs, policies } : { specs };
    });
  }

  /** callers.bypass and callers.block: each caller in one list only, once. */
  callersOf(raw: RawCallers, path: Path): CallerRules {
    const problems = this.ctx.problems;
    return this.ctx.cache.shared('callers', raw, () => {
      const seen = new Map<string, string>();
      const entry = (text: string, at: Path, list: string): string | undefined => {
        const e = parseCallerEntry(String(text));
        if (!e.ok) {
          problems.add(at, `${list}: ${e.error}`);
          return undefined;
        }
        const before = seen.get(e.entry);
        if (before !== undefined) {
          problems.add(at, `${list}: ${e.entry} is already in callers.${before}`);
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
  }

  /** What an action reading its settings at `path` may use: what this level writes over what it inherits from defaults. A file written here is resolved and checked here. */
  private settingsContext(path: Path): SettingsContext {
    return {
      problem: (at, message) => this.ctx.problems.add([...path, ...at], message),
      audioFile: (f, at) => {
        // sound:NAME is a sound stored in Redis (after-hours sound add): kept as written; push checks it is stored.
        const stored = storedSoundName(f);
        if (stored !== undefined) {
          const problem = soundNameProblem(stored);
          if (problem) this.ctx.problems.add([...path, ...at], `${problem} (sound:NAME names a sound stored with after-hours sound add)`);
          return f;
        }
        const abs = this.ctx.absPath(f);
        const err = this.ctx.refusal?.(abs, f) ?? checkAudioFile(abs);
        if (err) this.ctx.problems.add([...path, ...at], err);
        return abs;
      },
      forwardRules: this.ctx.forwardRules,
      render: (value) => renderValue(value),
    };
  }
}

import type { ForwardRules } from '../phone/tollFraud';
import type {
  ActionName,
  AfterHoursPolicy,
  AlwaysConfigured,
  CallOutcome,
  HangupCause,
  OutcomeKind,
  OutcomeOf,
  SettingsOf,
} from '../policy/actions';
import type { Language } from '../policy/callEvent';
import { DEFAULT_SOUND } from '../sounds/defaultSounds';
import type { CallSession } from '../call/callSession';
import type { ActionContext } from './context';

// The small interface every after-hours action implements, the shape of jambonz's tasks:
// one module per action owns how its settings are read and checked, what its event may
// report, and how it handles a closed call. The registry (registry.ts) lists them.

type KindOf<O> = O extends { kind: infer K extends string } ? K : never;

/** A JSON Schema fragment, as in config/schema/*.json. */
export type JsonSchema = { [key: string]: unknown };

/** What the config loader lends an action while it builds the action's settings. */
export interface SettingsContext {
  /** Reports a problem at a key under afterHours.<action> (e.g. ['to']) in the file. */
  problem(at: Array<string | number>, message: string): void;
  /** Resolves a sound file written under afterHours.<action> (relative to the YAML file) and checks Asterisk can play it. */
  audioFile(file: string, at: Array<string | number>): string;
  /** forwarding.allowCountries / allowNumbers of the file. */
  forwardRules: ForwardRules;
  /** A value from the file shown in a message ("… (got …)"), short and bounded. */
  render(value: unknown): string;
}

/**
 * A sound setting (a greeting, an announcement) at this level of the file: `default` (the
 * shipped sound, chosen per call in the number's language), a file written here (resolved and
 * checked here), or else the inherited one (checked where it was written).
 */
export function soundSetting(own: unknown, inherited: string | undefined, key: string, ctx: SettingsContext): string | undefined {
  if (own === DEFAULT_SOUND) return DEFAULT_SOUND;
  return own !== undefined ? ctx.audioFile(String(own), [key]) : inherited;
}

/** A problem of an action's settings that depends on the number called (its country). */
export interface NumberProblem {
  /** The key under afterHours.<action> the problem is about. */
  key: string;
  error: string;
}

/** What an outcome's sentence may use, in the notification's language. */
export interface Phrasing {
  /** "1 min 5 s". */
  duration(seconds: number): string;
  /** A hang-up cause in words ("busy", "number not in service"). */
  cause(cause: HangupCause): string;
  /** Another outcome's sentence (an unanswered forward's fallback). */
  outcome(outcome: CallOutcome): string;
}

/** One outcome an action's event may carry: its contract on the wire and its words. */
export interface OutcomeSpec<O> {
  /** Its name under $defs in config/schema/event.schema.json (generated: npm run schemas). */
  defName: string;
  /** The outcome's JSON Schema; `#/$defs/<defName>` reaches another outcome's. */
  schema: JsonSchema;
  /** Its sentence in a missed-call notification, in every language. */
  text: { readonly [L in Language]: (outcome: O, say: Phrasing) => string };
  /** At least one outcome as the event carries it: the tests check each validates and reads as a sentence. */
  examples: readonly [O, ...O[]];
}

/** What is sent before the call's session exists (latency-critical); run() receives its result. */
export type Prelude = Promise<{ err: unknown } | undefined>;

export interface CallAction<A extends ActionName> {
  /** JSON Schema of afterHours.<A> as written; config/schema/after-hours.schema.json is generated from it (npm run schemas). */
  readonly configSchema: JsonSchema;
  /** The outcomes A's event may carry (caller-hung-up, src/actions/outcomes.ts, is always allowed): the event schema's parts and the notification's sentences. */
  readonly outcomes: { readonly [K in Exclude<KindOf<OutcomeOf<A>>, 'caller-hung-up'>]: OutcomeSpec<Extract<OutcomeOf<A>, { kind: K }>> };
  /** When A is chosen but settings() gave none: the key it needs under afterHours.<A>, and a hint. */
  readonly needs?: { key: string; hint: string };
  /**
   * A's settings from what this level of the file wrote (`own`, already schema-checked) over
   * what it inherits from defaults; undefined when A is not configured (it cannot be chosen),
   * never for an action marked `always` in its ActionCatalogue entry.
   */
  settings(
    own: Record<string, unknown> | undefined,
    inherited: SettingsOf<A> | undefined,
    ctx: SettingsContext,
  ): A extends AlwaysConfigured ? SettingsOf<A> : SettingsOf<A> | undefined;
  /** Checks that depend on the number called; `calledCountry` is the DID's ISO country. */
  checkForNumber?(
    settings: SettingsOf<A>,
    calledCountry: string | undefined,
    own: Record<string, unknown> | undefined,
    ctx: SettingsContext,
  ): NumberProblem | undefined;
  /** Optional: sent at once, before the session is built (a plain reject). */
  prelude?(channelId: string, settings: SettingsOf<A>, ctx: ActionContext): Prelude | undefined;
  /** Handles the closed call until the action is done with it. */
  run(s: CallSession, ctx: ActionContext, settings: SettingsOf<A>, policy: AfterHoursPolicy, prelude?: Prelude): Promise<OutcomeOf<A>>;
}

export type { OutcomeKind };

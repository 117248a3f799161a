// The after-hours actions as the core sees them: an open set. Each action module under
// src/actions/ adds itself to ActionCatalogue (declaration merging) with its settings
// and the outcomes its event may carry, and to the registry (src/actions/registry.ts).
// The core names no action here; everything keyed by ActionName or by an outcome kind
// (the registry, each action's outcomes with their texts, the event type) stops compiling until a new
// action is given its entry.

/**
 * One entry per action, added by the action's own module:
 *
 *     declare module '../policy/actions' {
 *       interface ActionCatalogue { dialplan: { settings: DialplanSettings; outcome: SentToDialplanOutcome } }
 *     }
 *
 * `always: true` marks an action whose settings have defaults, so every policy has them
 * (voicemail and hangup: a forward nobody answers falls back to them).
 */
export interface ActionCatalogue {}

export type ActionName = keyof ActionCatalogue & string;

/** What the compiled config holds for action A (afterHours.<A>). */
export type SettingsOf<A extends ActionName> = ActionCatalogue[A] extends { settings: infer S } ? S : never;

/** What action A's event may report; `caller-hung-up` is possible for every action. */
export type OutcomeOf<A extends ActionName> = (ActionCatalogue[A] extends { outcome: infer O } ? O : never) | CallerHungUpOutcome;

/** Every outcome of every action. */
export type CallOutcome = OutcomeOf<ActionName>;
export type OutcomeKind = CallOutcome['kind'];

/**
 * A number's after-hours policy: the chosen action and the settings of every action that
 * has some (an action is available as a fallback only when its settings are here). The
 * compiled and stored form; the loader guarantees settings for the chosen action.
 */
export type AfterHoursPolicy = { action: ActionName } & { [A in AlwaysConfigured]: SettingsOf<A> } & {
  [A in Exclude<ActionName, AlwaysConfigured>]?: SettingsOf<A>;
};

/** Actions whose settings every policy has (defaults apply). */
export type AlwaysConfigured = { [A in ActionName]: ActionCatalogue[A] extends { always: true } ? A : never }[ActionName];

// Outcomes several actions share: the domain's words, used by the event and the CRM.

/** The caller hung up before the action completed; allowed for every action. */
export interface CallerHungUpOutcome {
  kind: 'caller-hung-up';
  afterSeconds: number;
}

/** ARI hang-up reasons; each maps to one SIP final response in chan_pjsip. */
export type HangupCause = 'busy' | 'congestion' | 'no_answer' | 'rejected' | 'unallocated' | 'normal' | 'timeout';

export interface RejectedOutcome {
  kind: 'rejected';
  cause: HangupCause;
}

export interface RecordingRef {
  /** ARI stored recording name (GET /ari/recordings/stored/{name}/file). */
  name: string;
  /** File extension as Asterisk wrote it: wav, gsm, … */
  format: string;
}

export interface RecordedOutcome {
  kind: 'recorded';
  recording: RecordingRef;
  durationSeconds: number;
  /** Whom the CRM worker e-mails the recording to (afterHours.voicemail.email); absent: nobody. */
  mailTo?: string[];
}

import type { CallOutcome, CallerHungUpOutcome, OutcomeKind } from '../policy/actions';
import type { Language } from '../policy/callEvent';
import { causeText, formatDuration } from '../policy/notificationText';
import type { OutcomeSpec, Phrasing } from './callAction';
import { ACTIONS, ACTION_NAMES } from './registry';

// Every outcome an event may carry: each action's own (its module's `outcomes`) and
// caller-hung-up, which every action may report. The event schema's outcome parts and the
// sentence of a missed-call notification come from here.

/** The caller hung up before the action completed; allowed for every action. */
export const CALLER_HUNG_UP: OutcomeSpec<CallerHungUpOutcome> = {
  defName: 'callerHungUp',
  schema: {
    description: 'The caller hung up before the action completed (during the greeting, while a forward rang, during an announcement).',
    type: 'object',
    additionalProperties: false,
    required: ['kind', 'afterSeconds'],
    properties: {
      kind: {
        const: 'caller-hung-up',
      },
      afterSeconds: {
        $ref: '#/$defs/seconds',
      },
    },
  },
  text: {
    en: (o, say) => `The caller hung up after ${say.duration(o.afterSeconds)}.`,
    pl: (o, say) => `Dzwoniący rozłączył się po ${say.duration(o.afterSeconds)}.`,
  },
  examples: [{ kind: 'caller-hung-up', afterSeconds: 3 }],
};

/** Every outcome kind with its spec: the actions' in the registry's order, caller-hung-up second (after the first action's, as the schema lists them). */
export function outcomeSpecs(): Array<[OutcomeKind, OutcomeSpec<CallOutcome>]> {
  const own = ACTION_NAMES.flatMap((name) => Object.entries(ACTIONS[name].outcomes) as Array<[OutcomeKind, OutcomeSpec<CallOutcome>]>);
  return [...own.slice(0, 1), ['caller-hung-up', CALLER_HUNG_UP as OutcomeSpec<CallOutcome>], ...own.slice(1)];
}

let byKind: Map<OutcomeKind, OutcomeSpec<CallOutcome>> | undefined;

/** The sentence of an outcome in a missed-call notification (the actions' texts). */
export function outcomeText(outcome: CallOutcome, language: Language): string {
  byKind ??= new Map(outcomeSpecs());
  const spec = byKind.get(outcome.kind);
  // Unreachable for a valid event: every kind of the union has its spec (the types say so).
  if (spec === undefined) throw new Error(`no notification text for the outcome ${outcome.kind}`);
  const say: Phrasing = {
    duration: (seconds) => formatDuration(seconds, language),
    cause: (cause) => causeText(cause, language),
    outcome: (o) => outcomeText(o, language),
  };
  return spec.text[language](outcome, say);
}

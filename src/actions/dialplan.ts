import type { CallerHungUpOutcome } from '../policy/actions';
import type { CallAction } from './callAction';
import { elapsedSeconds } from './context';

// Any dialplan destination, as FreePBX lets any destination be chosen: the closed call
// continues in a context/extension/priority of the operator's choice (an IVR, a queue, an
// on-call ring group). What happens there is the dialplan's business, not after-hours'.

export interface DialplanSettings {
  context: string;
  /** Undefined: the dialled number (the DID as it arrived), as for normal routing. */
  extension?: string;
  priority: number;
}

export interface SentToDialplanOutcome {
  kind: 'sent-to-dialplan';
  context: string;
  extension: string;
  priority: number;
}

declare module '../policy/actions' {
  interface ActionCatalogue {
    dialplan: { settings: DialplanSettings; outcome: SentToDialplanOutcome };
  }
}

export const dialplanAction: CallAction<'dialplan'> = {
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['context'],
    properties: {
      context: {
        description: 'Dialplan context, e.g. ivr-main or ext-queues.',
        type: 'string',
        pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,78}$',
      },
      extension: {
        description: 'Extension in that context (a literal, not a pattern); the dialled number when absent.',
        type: ['string', 'integer'],
        pattern: '^[A-Za-z0-9+*#_.-]{1,79}$',
      },
      priority: { type: 'integer', minimum: 1, maximum: 99999, default: 1 },
    },
  },
  outcomes: {
    'sent-to-dialplan': {
      defName: 'sentToDialplan',
      schema: {
        description:
          "The call continued in the dialplan at the number's chosen destination (an IVR, a queue); what happened there is the dialplan's.",
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'context', 'extension', 'priority'],
        properties: {
          kind: {
            const: 'sent-to-dialplan',
          },
          context: {
            type: 'string',
            pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,78}$',
          },
          extension: {
            type: 'string',
            pattern: '^[A-Za-z0-9+*#_.-]{1,79}$',
          },
          priority: {
            type: 'integer',
            minimum: 1,
            maximum: 99999,
          },
        },
      },
      text: {
        en: (o) => `Sent to the dialplan: ${o.context}, ${o.extension}, ${o.priority}.`,
        pl: (o) => `Przekazano do planu wybierania: ${o.context}, ${o.extension}, ${o.priority}.`,
      },
      examples: [{ kind: 'sent-to-dialplan', context: 'ivr-main', extension: 's', priority: 1 }],
    },
  },
  needs: { key: 'context', hint: 'a dialplan context, e.g. ivr-main' },
  settings(own, inherited) {
    const context = (own?.context as string | undefined) ?? inherited?.context;
    if (context === undefined) return undefined;
    const settings: DialplanSettings = { context, priority: (own?.priority as number | undefined) ?? inherited?.priority ?? 1 };
    const extension = own?.extension !== undefined ? String(own.extension) : inherited?.extension;
    if (extension !== undefined) settings.extension = extension;
    return settings;
  },
  async run(s, ctx, settings) {
    const extension = settings.extension ?? s.channel.dialplan.exten;
    try {
      await ctx.rest.continueInDialplan(s.channel.id, settings.context, extension, settings.priority);
    } catch (err) {
      if (s.hungUp) return { kind: 'caller-hung-up', afterSeconds: elapsedSeconds(s, ctx) } satisfies CallerHungUpOutcome;
      throw err;
    }
    return { kind: 'sent-to-dialplan', context: settings.context, extension, priority: settings.priority };
  },
};

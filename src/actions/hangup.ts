import type { CallerHungUpOutcome, HangupCause, RejectedOutcome } from '../policy/actions';
import { chooseSound } from '../sounds/defaultSounds';
import type { CallSession } from '../call/callSession';
import { soundSetting, type CallAction, type Prelude } from './callAction';
import { elapsedSeconds, mediaFor, playAndWait, type ActionContext } from './context';

export interface HangupSettings {
  cause: HangupCause;
  /** Absolute path of an announcement played as early media before the reject; `default`: the shipped one in the number's language. */
  announcement?: string;
}

declare module '../policy/actions' {
  interface ActionCatalogue {
    hangup: { settings: HangupSettings; outcome: RejectedOutcome; always: true };
  }
}

const CAUSES: Record<HangupCause, true> = {
  busy: true,
  congestion: true,
  no_answer: true,
  rejected: true,
  unallocated: true,
  normal: true,
  timeout: true,
};
const HANGUP_CAUSES = Object.keys(CAUSES) as HangupCause[];

/**
 * Rejects the call without answering it, so nothing is billed. An announcement is played
 * first as early media (183 Session Progress): playing to an unanswered channel does not
 * answer it. `sent` is a reject already on the wire (the prelude).
 */
export async function runHangup(
  s: CallSession,
  ctx: ActionContext,
  settings: HangupSettings,
  sent?: Prelude,
): Promise<RejectedOutcome | CallerHungUpOutcome> {
  const gone = (): CallerHungUpOutcome => ({ kind: 'caller-hung-up', afterSeconds: elapsedSeconds(s, ctx) });
  if (sent) {
    const failed = await sent;
    if (failed) {
      if (s.hungUp) return gone();
      throw failed.err;
    }
    return { kind: 'rejected', cause: settings.cause };
  }
  const announcement = chooseSound(settings.announcement, 'closed', s.language, ctx.defaultSound);
  if (announcement) {
    const stillThere = await playAndWait(s, ctx, mediaFor(ctx, announcement));
    if (!stillThere) return gone();
  }
  try {
    await ctx.rest.hangup(s.channel.id, settings.cause);
  } catch (err) {
    if (s.hungUp) return gone();
    throw err;
  }
  return { kind: 'rejected', cause: settings.cause };
}

export const hangupAction: CallAction<'hangup'> = {
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      cause: { type: 'string', enum: HANGUP_CAUSES, default: 'busy' },
      announcement: {
        description:
          "Played as early media (183, not answered) before the reject: a WAV (8 kHz mono) or GSM file, or sound:NAME (a sound stored with after-hours sound add); `default`: the shipped closed announcement in the number's language.",
        type: 'string',
        minLength: 1,
      },
    },
  },
  outcomes: {
    rejected: {
      defName: 'rejected',
      schema: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'cause'],
        properties: {
          kind: {
            const: 'rejected',
          },
          cause: {
            enum: HANGUP_CAUSES,
          },
        },
      },
      text: {
        en: (o, say) => `The call was rejected (${say.cause(o.cause)}).`,
        pl: (o, say) => `Połączenie odrzucono (${say.cause(o.cause)}).`,
      },
      examples: [{ kind: 'rejected', cause: 'busy' }],
    },
  },
  settings(own, inherited, ctx) {
    const settings: HangupSettings = { cause: (own?.cause as HangupCause | undefined) ?? inherited?.cause ?? 'busy' };
    const announcement = soundSetting(own?.announcement, inherited?.announcement, 'announcement', ctx);
    if (announcement) settings.announcement = announcement;
    return settings;
  },
  // A plain reject goes out first: nothing but the decision sits between StasisStart and it
  // (the request is on the wire when hangup() returns).
  prelude(channelId, settings, ctx) {
    if (settings.announcement) return undefined;
    return ctx.rest.hangup(channelId, settings.cause).then(
      () => undefined,
      (err: unknown) => ({ err }),
    );
  },
  run: (s, ctx, settings, _policy, sent) => runHangup(s, ctx, settings, sent),
};

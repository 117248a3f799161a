import { soundUri } from '../../config/audioFile';
import type { HangupSettings } from '../../config/types';
import type { CallerHungUpOutcome, RejectedOutcome } from '../../events/types';
import type { CallSession } from '../callSession';
import { elapsedSeconds, playAndWait, type ActionContext } from './context';

/**
 * Rejects the call without answering it, so nothing is billed. An announcement is played
 * first as early media (183 Session Progress): playing to an unanswered channel does not
 * answer it.
 */
export async function runHangup(s: CallSession, ctx: ActionContext, settings: HangupSettings): Promise<RejectedOutcome | CallerHungUpOutcome> {
  if (settings.announcement) {
    const stillThere = await playAndWait(s, ctx, soundUri(settings.announcement));
    if (!stillThere) return { kind: 'caller-hung-up', afterSeconds: elapsedSeconds(s, ctx) };
  }
  try {
    await ctx.rest.hangup(s.channel.id, settings.cause);
  } catch (err) {
    if (s.hungUp) return { kind: 'caller-hung-up', afterSeconds: elapsedSeconds(s, ctx) };
    throw err;
  }
  return { kind: 'rejected', cause: settings.cause };
}

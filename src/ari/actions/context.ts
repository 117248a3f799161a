import type { Logger } from 'pino';
import type { ForwardingSettings } from '../../config/types';
import type { CallRouter } from '../callRouter';
import type { CallSession } from '../callSession';
import type { AriRest } from '../rest';

/** What every call action needs: the REST calls, the event routing, and the settings. */
export interface ActionContext {
  rest: AriRest;
  router: CallRouter;
  appName: string;
  forwarding: ForwardingSettings;
  /** Absolute path of the shipped default greeting. */
  defaultGreeting: string;
  log: Logger;
  now: () => number;
}

/** Seconds since the call started, to one decimal. */
export function elapsedSeconds(s: CallSession, ctx: ActionContext): number {
  return Math.round((ctx.now() - s.startedAt) / 100) / 10;
}

/** Plays one sound and waits for it to end (or the caller to hang up). Returns false when the caller left. */
export async function playAndWait(s: CallSession, ctx: ActionContext, media: string, maxMs = 120_000): Promise<boolean> {
  const playbackId = s.nextId('pb');
  ctx.router.trackPlayback(s, playbackId);
  try {
    await ctx.rest.play(s.channel.id, playbackId, media);
  } catch (err) {
    // A missing sound must not strand the call: log it and carry on without it.
    ctx.log.warn({ err, media, call: s.id }, 'playback failed to start');
    return !s.hungUp;
  }
  const sig = await s.waitFor((x) => x.kind === 'playback-finished' && x.playbackId === playbackId, maxMs);
  if (sig === undefined) await ctx.rest.stopPlayback(playbackId).catch(() => undefined);
  return sig?.kind !== 'hangup';
}

import type { Logger } from 'pino';
import { soundUri } from '../sounds/audioFile';
import type { HangupCause } from '../policy/actions';
import type { Language } from '../policy/callEvent';
import type { ForwardingSettings } from '../policy/compiledConfig';
import type { DefaultSoundKind } from '../sounds/defaultSounds';
import type { CallSession } from '../call/callSession';

// The ports of an action: what it asks of ARI and of the event dispatch, declared here so an
// action depends on no ARI client (src/ari's AriRest and AriEventDispatcher provide them).

/** The ARI requests an action sends for its call. */
export interface CallControl {
  hangup(channelId: string, reason?: HangupCause): Promise<void>;
  continueInDialplan(channelId: string, context: string, extension: string, priority?: number): Promise<void>;
  answer(channelId: string): Promise<void>;
  ring(channelId: string): Promise<void>;
  play(channelId: string, playbackId: string, media: string): Promise<void>;
  /** Whether Asterisk has this playback now (false: it ended, or never started); throws when Asterisk does not answer. */
  playbackExists(playbackId: string): Promise<boolean>;
  stopPlayback(playbackId: string): Promise<void>;
  record(
    channelId: string,
    opts: { name: string; format: string; maxDurationSeconds: number; maxSilenceSeconds: number; beep: boolean; terminateOn: string },
  ): Promise<void>;
  stopRecording(name: string): Promise<void>;
  createChannel(opts: {
    endpoint: string;
    app: string;
    appArgs: string;
    channelId: string;
    originator: string;
    callerId?: string;
  }): Promise<void>;
  dial(channelId: string, caller: string, timeoutSeconds: number): Promise<void>;
  createBridge(bridgeId: string): Promise<void>;
  addToBridge(bridgeId: string, channelIds: string[]): Promise<void>;
}

/**
 * A request that got no answer (a cut or refused connection, a time-out) but may have reached
 * Asterisk, which may have acted on it: the port's errors say so with `mayHaveReached: true`
 * (src/ariHttp's AriUnansweredError).
 */
function mayHaveReached(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { mayHaveReached?: unknown }).mayHaveReached === true;
}

/** Routes the ARI events of what an action creates (a playback, a recording, a forward leg) to its call. */
export interface CallTracking {
  trackPeer(session: CallSession, channelId: string): void;
  trackPlayback(session: CallSession, playbackId: string): void;
  trackRecording(session: CallSession, name: string): void;
}

/** What every call action needs: the REST calls, the event routing, and the settings. */
export interface ActionContext {
  rest: CallControl;
  router: CallTracking;
  appName: string;
  forwarding: ForwardingSettings;
  /** Absolute path of a shipped sound in a language (src/sounds/defaultSounds.ts). */
  defaultSound: (kind: DefaultSoundKind, language: Language) => string;
  /** Turns a sound file into Asterisk's media URI (served over HTTP for a remote Asterisk); absolute `sound:` paths without it. */
  sounds?: { uriFor(file: string): string };
  /** A greeting or announcement nobody heard, or a voicemail that was not recorded: counted for the operator. */
  mediaFailed?: (what: 'playback' | 'recording', reason: string) => void;
  log: Logger;
  now: () => number;
}

/** Seconds since the call started, to one decimal. */
export function elapsedSeconds(s: CallSession, ctx: ActionContext): number {
  return Math.round((ctx.now() - s.startedAt) / 100) / 10;
}

/** Asterisk's media URI for a sound file on the daemon's disk. */
export function mediaFor(ctx: ActionContext, file: string): string {
  return ctx.sounds ? ctx.sounds.uriFor(file) : soundUri(file);
}

/**
 * After a play request failed: whether the sound may be playing. Only when the request may
 * have reached Asterisk; then Asterisk is asked, and when that fails too (the ARI connection is
 * down) the playback is taken as started: the reconnect settles it.
 */
async function mayBePlaying(ctx: ActionContext, playbackId: string, err: unknown): Promise<boolean> {
  if (!mayHaveReached(err)) return false;
  return ctx.rest.playbackExists(playbackId).catch(() => true);
}

/** Plays one sound and waits for it to end (or the caller to hang up). Returns false when the caller left. */
export async function playAndWait(s: CallSession, ctx: ActionContext, media: string, maxMs = 120_000): Promise<boolean> {
  const playbackId = s.nextId('pb');
  ctx.router.trackPlayback(s, playbackId);
  try {
    await ctx.rest.play(s.channel.id, playbackId, media);
  } catch (err) {
    if (!(await mayBePlaying(ctx, playbackId, err))) {
      // A missing sound must not strand the call: log it and carry on without it.
      ctx.log.warn({ err, media, call: s.id }, 'playback failed to start');
      ctx.mediaFailed?.('playback', 'not-started');
      return !s.hungUp;
    }
    // The answer was lost, not the playback: Asterisk plays it, and its end comes as an event
    // (or, when the connection is down, from the reconnect's look at what is still playing).
    ctx.log.warn({ err, media, call: s.id }, 'the answer to a playback request was lost; waiting for the playback');
  }
  const sig = await s.waitFor((x) => x.kind === 'playback-finished' && x.playbackId === playbackId, maxMs);
  if (sig === undefined) {
    ctx.log.warn({ media, call: s.id, maxMs }, 'playback did not finish in time; stopped');
    ctx.mediaFailed?.('playback', 'timeout');
    await ctx.rest.stopPlayback(playbackId).catch(() => undefined);
  } else if (sig.kind === 'playback-finished' && sig.state === 'failed') {
    // Asterisk goes on without the sound (a missing file, an unreachable or refused URL): the
    // caller heard nothing, and only this log line and the metric tell the operator.
    ctx.log.error({ media, call: s.id }, 'playback failed: the caller did not hear this sound');
    ctx.mediaFailed?.('playback', 'failed');
  }
  return sig?.kind !== 'hangup';
}

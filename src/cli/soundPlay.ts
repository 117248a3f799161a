import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { ChannelEvent, PlaybackEvent, StasisStartEvent } from '../call/ariEvents';
import { AriConnection } from '../ari/connection';
import { AriRest } from '../ari/rest';
import { createLogger } from '../shared/log';
import { parseSoundsBaseUrl, SoundCatalogue } from '../sounds/soundCatalogue';
import { STORED_SOUND_PREFIX } from '../sounds/soundRefs';
import type { StoredSound } from '../store/soundStore';
import { DEFAULT_ARI_URL } from '../settings/declaration';
import { cliSettings } from '../settings/processes';
import { SettingsError } from './exitCodes';
import { UsageError } from './usageError';

// `sound play NAME --to EXT`: an outgoing call over ARI into a Stasis app of its own
// (<ARI_APP>-play-<pid>, so the daemon's app never sees it), the sound played once it is
// answered, then hung up. Asterisk gets the sound as the daemon gives it: from SOUNDS_BASE_URL
// (a daemon serves every stored sound by its hash), or from the folder beside the spool.

/** `201` is PJSIP/201; anything with a slash is a dial string as written. */
export function playEndpoint(to: string): string {
  const t = to.trim();
  if (t === '' || /[\s,]/.test(t)) throw new UsageError(`--to "${to}" is not an extension or a dial string (PJSIP/201)`);
  return t.includes('/') ? t : `PJSIP/${t}`;
}

type Listener = Parameters<AriConnection['on']>[1];

export async function playSound(o: {
  sound: StoredSound;
  wav: Buffer;
  wav16?: Buffer;
  to: string;
  ringSeconds: number;
}): Promise<{ endpoint: string; heardToEnd: boolean }> {
  const endpoint = playEndpoint(o.to);
  const settings = cliSettings();
  const base = settings.SOUNDS_BASE_URL !== undefined ? parseSoundsBaseUrl(settings.SOUNDS_BASE_URL) : undefined;
  if (typeof base === 'object') throw new SettingsError(base.error);
  const catalogue = new SoundCatalogue(base, join(dirname(settings.spoolDir), 'sounds'));
  const failed = catalogue.setStored([{ name: o.sound.name, hash: o.sound.hash, wav: o.wav, ...(o.wav16 ? { wav16: o.wav16 } : {}) }]);
  if (failed[0]) throw failed[0].err;
  const media = catalogue.uriFor(`${STORED_SOUND_PREFIX}${o.sound.name}`);

  const access = {
    url: settings.ARI_URL ?? DEFAULT_ARI_URL,
    user: settings.ARI_USER,
    password: settings.ARI_PASSWORD ?? '',
    caFile: settings.ARI_CA_FILE,
  };
  const app = `${settings.ARI_APP}-play-${process.pid}`;
  // The verb prints its own result: its log stays quiet unless LOG_LEVEL asks for it.
  const log = createLogger('after-hours-sound-play', { level: process.env.LOG_LEVEL ? settings.LOG_LEVEL : 'silent' });
  const conn = new AriConnection({ ...access, app, log });
  const rest = new AriRest(access);
  const channelId = `after-hours-play-${randomBytes(6).toString('hex')}`;
  const playbackId = `${channelId}-pb`;
  /** Resolves with the first event `match` accepts, or undefined after `ms`. */
  const next = <T>(match: (resolve: (v: T) => void) => Array<[string, Listener]>, ms: number) =>
    new Promise<T | undefined>((resolve) => {
      const handlers = match((v) => finish(v));
      const timer = setTimeout(() => finish(undefined), ms);
      function finish(v: T | undefined) {
        clearTimeout(timer);
        for (const [event, h] of handlers) conn.off(event, h);
        resolve(v);
      }
      for (const [event, h] of handlers) conn.on(event, h);
    });
  try {
    conn.start();
    const registered = await next<true>((done) => [['state', ((s: string) => s === 'registered' && done(true)) as Listener]], 10_000);
    if (!registered) throw new Error(`ARI at ${access.url} did not register the app ${app} within 10 s`);
    const answered = next<'answered' | 'gone'>(
      (done) => [
        ['StasisStart', ((e: StasisStartEvent) => e.channel.id === channelId && done('answered')) as Listener],
        ['ChannelGone', ((e: ChannelEvent) => e.channel.id === channelId && done('gone')) as Listener],
      ],
      (o.ringSeconds + 10) * 1000,
    );
    await rest.call('POST', '/channels', { endpoint, app, channelId, timeout: o.ringSeconds, callerId: `"${o.sound.name}" <after-hours>` });
    const state = await answered;
    if (state !== 'answered') {
      await rest.hangup(channelId).catch(() => undefined);
      throw new UsageError(`${endpoint} did not answer within ${o.ringSeconds} s (or the call failed); nothing played`);
    }
    const finished = next<'done' | 'failed' | 'gone'>(
      (done) => [
        [
          'PlaybackFinished',
          ((e: PlaybackEvent) => e.playback.id === playbackId && done(e.playback.state === 'failed' ? 'failed' : 'done')) as Listener,
        ],
        ['ChannelGone', ((e: ChannelEvent) => e.channel.id === channelId && done('gone')) as Listener],
      ],
      o.sound.durationMs + 30_000,
    );
    await rest.play(channelId, playbackId, media);
    const end = await finished;
    await rest.hangup(channelId).catch(() => undefined);
    if (end === 'failed') throw new Error(`Asterisk could not play ${media} (is SOUNDS_BASE_URL a daemon Asterisk reaches?)`);
    return { endpoint, heardToEnd: end === 'done' };
  } finally {
    await conn.stop();
    rest.close();
  }
}

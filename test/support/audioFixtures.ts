// Audio files made on the spot with ffmpeg (no binaries in the repository): a tone with
// silence before and after, in any container, rate and channel count.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface ToneOptions {
  /** Seconds of tone. */
  seconds: number;
  /** Silence before and after, in seconds. */
  padBefore?: number;
  padAfter?: number;
  rate?: number;
  channels?: 1 | 2;
  /** Gain on lavfi's sine, which is 1/8 of full scale (-18 dBFS) at 1. */
  volume?: number;
  frequency?: number;
}

/** Writes `name` (its extension picks the format: .mp3, .m4a, .opus, .ogg, .flac, .wav) in `dir`; returns the path. */
export function makeTone(dir: string, name: string, o: ToneOptions): string {
  const rate = o.rate ?? 44100;
  const before = Math.round((o.padBefore ?? 0) * 1000);
  const delays = Array.from({ length: o.channels ?? 2 }, () => before).join('|');
  const filter = [
    `sine=frequency=${o.frequency ?? 440}:duration=${o.seconds}:sample_rate=${rate}`,
    `volume=${o.volume ?? 0.3}`,
    `aformat=channel_layouts=${(o.channels ?? 2) === 2 ? 'stereo' : 'mono'}`,
    `adelay=${delays}`,
    `apad=pad_dur=${o.padAfter ?? 0}`,
  ].join(',');
  const file = join(dir, name);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', filter, file], { stdio: ['ignore', 'ignore', 'pipe'] });
  return file;
}

/** Only silence, as a WAV. */
export function makeSilence(dir: string, name: string, seconds: number, rate = 44100): string {
  const file = join(dir, name);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `anullsrc=r=${rate}:cl=stereo`, '-t', String(seconds), file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return file;
}

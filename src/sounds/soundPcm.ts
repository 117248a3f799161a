// What an uploaded recording becomes before it is stored: decoded audio (8 kHz mono 16-bit
// PCM, from the bounded decoder in soundDecoder.ts) with its leading and trailing silence cut
// and its loudness set to one level, wrapped as the WAV file Asterisk plays best. Pure: samples
// in, a decision out (the stored file, or why the upload is refused).

/** Sample rate of what is stored and played: Asterisk's `wav` format (8 kHz slin). */
export const SOUND_RATE = 8000;
/** The wideband copy: Asterisk's `wav16` format (16 kHz slin), for G.722 calls on a same-host Asterisk. */
export const WIDEBAND_RATE = 16000;

/** The documented limits of `sound add` (docs/configuration.md "Own recordings"). */
export const SOUND_LIMITS = {
  /** An upload bigger than this is refused from its size alone, before anything reads it. */
  maxUploadBytes: 256 * 1024 * 1024,
  /** Longest recording, as uploaded (silence included): 5 minutes, 4.8 MB stored (and 9.6 MB at 16 kHz). */
  maxSeconds: 300,
  /** Windows whose peak stays under this are silence (trimmed at both ends). */
  silenceDbfs: -48,
  /** Less sound than this between the first and the last loud window: "only silence". */
  minSoundMs: 100,
  /** Loudness target: RMS of the windows that are not silence, in dBFS. */
  targetRmsDbfs: -20,
  /** ...but no sample louder than this after the gain. */
  peakCeilingDbfs: -1,
  /** The gain is kept within ± this (a near-silent file is not blown up into hiss). */
  maxGainDb: 30,
} as const;

/** Trimming keeps this much before the first and after the last loud window (no clipped attack or tail). */
const MARGIN_MS = 50;
const WINDOW_MS = 10;

export type PreparedSound =
  | { ok: true; wav: Buffer; wav16?: Buffer; durationMs: number; trimmedMs: number; gainDb: number }
  | { ok: false; reason: 'too-long' | 'silence'; error: string };

const dbToAmplitude = (db: number) => 32768 * 10 ** (db / 20);

const int16 = (pcm: Buffer) => new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + (pcm.length & ~1)));

/**
 * Decoded samples → the stored WAV, or why not. `pcm` is 16-bit little-endian mono at
 * SOUND_RATE; `pcm16`, the same audio at WIDEBAND_RATE, gets the same cut and gain.
 */
export function prepareSound(pcm: Buffer, pcm16?: Buffer): PreparedSound {
  const samples = int16(pcm);
  const seconds = samples.length / SOUND_RATE;
  if (seconds > SOUND_LIMITS.maxSeconds)
    return {
      ok: false,
      reason: 'too-long',
      error: `it is longer than ${SOUND_LIMITS.maxSeconds} s (the limit for a greeting or announcement; stopped reading at ${seconds.toFixed(1)} s)`,
    };
  const win = (SOUND_RATE * WINDOW_MS) / 1000;
  const threshold = dbToAmplitude(SOUND_LIMITS.silenceDbfs);
  let first = -1;
  let last = -1;
  let sumSquares = 0;
  let loudSamples = 0;
  for (let w = 0; w * win < samples.length; w++) {
    const from = w * win;
    const to = Math.min(from + win, samples.length);
    let peak = 0;
    let sq = 0;
    for (let i = from; i < to; i++) {
      const s = samples[i]!;
      const a = s < 0 ? -s : s;
      if (a > peak) peak = a;
      sq += s * s;
    }
    if (peak < threshold) continue;
    if (first < 0) first = from;
    last = to;
    sumSquares += sq;
    loudSamples += to - from;
  }
  if (first < 0 || ((last - first) * 1000) / SOUND_RATE < SOUND_LIMITS.minSoundMs)
    return {
      ok: false,
      reason: 'silence',
      error: `it holds only silence (nothing louder than ${SOUND_LIMITS.silenceDbfs} dBFS for ${SOUND_LIMITS.minSoundMs} ms)`,
    };
  const margin = (SOUND_RATE * MARGIN_MS) / 1000;
  const start = Math.max(0, first - margin);
  const end = Math.min(samples.length, last + margin);
  const kept = samples.subarray(start, end);

  // Gain: the loud windows' RMS to the target, limited by the peak ceiling and the gain range.
  const rms = Math.sqrt(sumSquares / loudSamples);
  let peak = 1;
  for (const s of kept) peak = Math.max(peak, s < 0 ? -s : s);
  const wanted = 20 * Math.log10(dbToAmplitude(SOUND_LIMITS.targetRmsDbfs) / rms);
  const ceiling = 20 * Math.log10(dbToAmplitude(SOUND_LIMITS.peakCeilingDbfs) / peak);
  const gainDb = Math.max(-SOUND_LIMITS.maxGainDb, Math.min(wanted, ceiling, SOUND_LIMITS.maxGainDb));
  const gain = 10 ** (gainDb / 20);
  const amplified = (part: Int16Array) => part.map((x) => Math.max(-32768, Math.min(32767, Math.round(x * gain))));
  const out = amplified(kept);
  const ratio = WIDEBAND_RATE / SOUND_RATE;
  const wav16 = pcm16 ? wavFile(amplified(int16(pcm16).subarray(start * ratio, end * ratio)), WIDEBAND_RATE) : undefined;

  return {
    ok: true,
    wav: wavFile(out, SOUND_RATE),
    ...(wav16 ? { wav16 } : {}),
    durationMs: Math.round((out.length * 1000) / SOUND_RATE),
    trimmedMs: Math.round(((samples.length - out.length) * 1000) / SOUND_RATE),
    gainDb: Math.round(gainDb * 10) / 10,
  };
}

/** A canonical 44-byte-header PCM WAV (mono, 16-bit). */
export function wavFile(samples: Int16Array, rate: number): Buffer {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const head = Buffer.alloc(44);
  head.write('RIFF', 0, 'ascii');
  head.writeUInt32LE(36 + data.length, 4);
  head.write('WAVE', 8, 'ascii');
  head.write('fmt ', 12, 'ascii');
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20); // PCM
  head.writeUInt16LE(1, 22); // mono
  head.writeUInt32LE(rate, 24);
  head.writeUInt32LE(rate * 2, 28);
  head.writeUInt16LE(2, 32);
  head.writeUInt16LE(16, 34);
  head.write('data', 36, 'ascii');
  head.writeUInt32LE(data.length, 40);
  return Buffer.concat([head, data]);
}

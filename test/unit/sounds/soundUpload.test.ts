// Uploaded recordings through the real ffmpeg: every accepted format becomes one 8 kHz mono
// WAV with its silence trimmed and its loudness set; every hostile upload is refused with what
// is wrong, by the bounds (stat before reading, demuxer list, length, timeout), not by luck.
import * as childProcess from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkUploadFile, DECODE_BOUNDS } from '../../../src/sounds/soundDecoder';
import { SOUND_RATE } from '../../../src/sounds/soundPcm';
import { convertUpload } from '../../../src/sounds/soundUpload';
import { makeSilence, makeTone } from '../../support/audioFixtures';

jest.setTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), 'ah-upload-'));

/** Samples of a stored WAV (44-byte header, 16-bit mono). */
function samplesOf(wav: Buffer): Int16Array {
  return new Int16Array(wav.buffer.slice(wav.byteOffset + 44, wav.byteOffset + wav.length));
}
const rmsDbfs = (s: Int16Array) => 20 * Math.log10(Math.sqrt(s.reduce((a, x) => a + x * x, 0) / s.length) / 32768);

describe('sound add: conversion', () => {
  // 1 s of silence, 3 s of tone, 1 s of silence, 44.1 kHz stereo: stored as 3 s (plus the
  // 50 ms kept at each end), 8 kHz mono 16-bit.
  const source = makeTone(dir, 'tone.wav', { seconds: 3, padBefore: 1, padAfter: 1, rate: 44100, channels: 2 });
  const formats = ['wav', 'mp3', 'm4a', 'opus', 'ogg', 'flac'];
  const files = new Map(
    formats.map((f) => [f, f === 'wav' ? source : makeTone(dir, `tone.${f}`, { seconds: 3, padBefore: 1, padAfter: 1 })]),
  );

  it.each(formats)('%s at 44.1 kHz stereo → 8 kHz mono 16-bit WAV, silence trimmed, at the loudness target', async (format) => {
    const r = await convertUpload(files.get(format)!);
    if (!r.ok) throw new Error(r.error);
    const wav = r.wav;
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.toString('ascii', 8, 12)).toBe('WAVE');
    expect(wav.readUInt16LE(20)).toBe(1); // PCM
    expect(wav.readUInt16LE(22)).toBe(1); // mono
    expect(wav.readUInt32LE(24)).toBe(SOUND_RATE);
    expect(wav.readUInt16LE(34)).toBe(16);
    expect(wav.readUInt32LE(40)).toBe(wav.length - 44);
    // The 16 kHz copy: the same cut, twice the samples.
    const wav16 = r.wav16!;
    expect(wav16.readUInt32LE(24)).toBe(16000);
    expect(wav16.readUInt16LE(22)).toBe(1);
    expect(wav16.length - 44).toBe(2 * (wav.length - 44));
    // 3 s of tone + 2 × 50 ms; codecs add a few ms of priming (MP3, AAC, Opus).
    expect(r.durationMs).toBeGreaterThan(3050);
    expect(r.durationMs).toBeLessThan(3200);
    expect(r.trimmedMs).toBeGreaterThan(1800);
    // A tone of -28.5 dBFS peak (lavfi's sine is 1/8 of full scale, × 0.3) brought to -20 dBFS RMS.
    expect(rmsDbfs(samplesOf(wav))).toBeGreaterThan(-21);
    expect(rmsDbfs(samplesOf(wav))).toBeLessThan(-19);
  });

  it('a quiet recording is raised to the same level, never past the peak ceiling', async () => {
    const quiet = makeTone(dir, 'quiet.flac', { seconds: 2, volume: 0.08 }); // -40 dBFS peak
    const r = await convertUpload(quiet);
    if (!r.ok) throw new Error(r.error);
    expect(r.gainDb).toBeGreaterThan(15);
    expect(rmsDbfs(samplesOf(r.wav))).toBeGreaterThan(-21);
    const peak = samplesOf(r.wav).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    expect(peak).toBeLessThanOrEqual(Math.ceil(32768 * 10 ** (-1 / 20)));
  });
});

describe('sound add: hostile uploads are refused, unread where the size says enough', () => {
  it('not audio: a text file named .mp3, and a playlist that would open other files', async () => {
    const text = join(dir, 'notes.mp3');
    writeFileSync(text, 'this is a shopping list, not a recording\n'.repeat(50));
    const r = await convertUpload(text);
    expect(r).toMatchObject({ ok: false, reason: 'not-audio' });
    expect(!r.ok && r.error).toMatch(/not audio ffmpeg reads as MP3, M4A\/AAC, OGG\/Opus, FLAC or WAV/);
    const playlist = join(dir, 'list.mp3');
    writeFileSync(playlist, `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile://${join(dir, 'tone.wav')}\n#EXT-X-ENDLIST\n`);
    expect(await convertUpload(playlist)).toMatchObject({ ok: false, reason: 'not-audio' });
  });

  it('a video without sound', async () => {
    const video = join(dir, 'video.mp4');
    childProcess.execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=duration=1:size=32x32', video]);
    expect(await convertUpload(video)).toMatchObject({ ok: false, reason: 'no-audio-stream', error: 'it has no audio stream' });
  });

  it('empty: refused from stat', async () => {
    const empty = join(dir, 'empty.mp3');
    writeFileSync(empty, '');
    expect(checkUploadFile(empty)).toEqual({ ok: false, reason: 'empty', error: 'it is empty (0 bytes)' });
    expect(await convertUpload(empty)).toEqual(checkUploadFile(empty));
  });

  it('2 GB (a sparse file): refused from stat, unread', async () => {
    const big = join(dir, 'big.wav');
    const fd = openSync(big, 'w');
    closeSync(fd);
    childProcess.execFileSync('truncate', ['-s', '2G', big]);
    // The refusal is stat's (checkUploadFile reads no byte); ffmpeg on 2 GB of zeros would say "not audio".
    expect(checkUploadFile(big)).toEqual({
      ok: false,
      reason: 'too-big',
      error: 'it is 2048 MiB; an upload may be at most 256 MiB (not read)',
    });
    expect(await convertUpload(big)).toEqual(checkUploadFile(big));
  });

  it('not a regular file (a folder, /dev/zero)', async () => {
    expect(await convertUpload(dir)).toMatchObject({ ok: false, reason: 'not-a-file' });
    expect(await convertUpload('/dev/zero')).toMatchObject({ ok: false, reason: 'not-a-file' });
    expect(await convertUpload(join(dir, 'missing.mp3'))).toMatchObject({
      ok: false,
      reason: 'not-a-file',
      error: 'cannot read it (ENOENT)',
    });
  });

  it('silence only', async () => {
    const r = await convertUpload(makeSilence(dir, 'silence.wav', 4));
    expect(r).toMatchObject({ ok: false, reason: 'silence' });
    expect(!r.ok && r.error).toMatch(/only silence/);
  });

  it('too long: decoding stops just past the limit (5 minutes), and the file is refused', async () => {
    const long = makeTone(dir, 'long.wav', { seconds: 310, rate: 8000, channels: 1 });
    const r = await convertUpload(long);
    expect(r).toMatchObject({ ok: false, reason: 'too-long' });
    expect(!r.ok && r.error).toBe('it is longer than 300 s (the limit for a greeting or announcement; stopped reading at 300.5 s)');
  });

  it('corrupt: a real MP3 start followed by garbage', async () => {
    const good = readFileSync(makeTone(dir, 'good.mp3', { seconds: 3 }));
    const corrupt = join(dir, 'corrupt.mp3');
    const garbage = Buffer.alloc(60_000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 251;
    writeFileSync(corrupt, Buffer.concat([good.subarray(0, 4000), garbage]));
    const r = await convertUpload(corrupt);
    expect(r).toMatchObject({ ok: false, reason: 'corrupt' });
    expect(!r.ok && r.error).toMatch(/^it is corrupt: decoding failed after \d+\.\d s of audio/);
  });

  it('a decoder that runs past its time bound is killed and the upload refused', async () => {
    const r = await convertUpload(files(), { ...DECODE_BOUNDS, timeoutMs: 1 });
    expect(r).toMatchObject({ ok: false, reason: 'bounds', error: 'decoding took longer than 0.001 s; stopped' });
  });
  const files = () => makeTone(dir, 'bounded.mp3', { seconds: 30 });
});

import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { SOUND_LIMITS, SOUND_RATE, WIDEBAND_RATE } from './soundPcm';

// The one place an uploaded file is read: ffmpeg decodes it to 8 kHz and 16 kHz mono 16-bit PCM on two pipes.
// The upload is whatever an operator (or someone posing as one) hands over, so every bound is
// set before anything reads it: the size from stat (a 2 GB file, sparse or not, is refused
// unread), only audio demuxers and the `file` protocol (no playlists that open URLs or other
// files), one thread, decoding stops after the longest allowed length, and the process runs
// under prlimit (data size, CPU seconds, no file writes) and a wall-clock timeout, with its
// output and error text capped.

export type DecodeRefusal = 'not-a-file' | 'empty' | 'too-big' | 'not-audio' | 'no-audio-stream' | 'corrupt' | 'bounds' | 'no-decoder';

export type Decoded = { ok: true; pcm: Buffer; pcm16: Buffer; sourceBytes: number } | { ok: false; reason: DecodeRefusal; error: string };

export interface DecodeBounds {
  timeoutMs: number;
  cpuSeconds: number;
  /** RLIMIT_DATA of the ffmpeg process (prlimit --data). */
  dataBytes: number;
  maxUploadBytes: number;
  /** Decoding stops after this many seconds of audio (a longer file is then refused as too long). */
  maxSeconds: number;
}

export const DECODE_BOUNDS: DecodeBounds = {
  timeoutMs: 60_000,
  cpuSeconds: 30,
  // Its data (heap and private writable mappings: RLIMIT_DATA), not its address space: ffmpeg 7
  // and later run a thread per stage, and their stacks and malloc arenas reserve address space
  // they never touch (ffmpeg 9 cannot start its threads under a 512 MB address-space limit).
  // It decodes in ~60 MB resident.
  dataBytes: 512 * 1024 * 1024,
  maxUploadBytes: SOUND_LIMITS.maxUploadBytes,
  maxSeconds: SOUND_LIMITS.maxSeconds,
};

/** ffmpeg's demuxers for MP3, M4A/AAC (mov/mp4), OGG/Opus/Vorbis, FLAC, WAV/W64, WebM/Matroska. */
const DEMUXERS = 'wav,w64,mp3,aac,mov,mp4,m4a,3gp,3g2,mj2,ogg,flac,matroska,webm';
export const ACCEPTED_FORMATS = 'MP3, M4A/AAC, OGG/Opus, FLAC or WAV';

const MAX_STDERR = 8192;

const mib = (n: number) => `${Math.round(n / 1024 / 1024)} MiB`;

/** Stat only: a regular, non-empty file within the size limit, or why not. */
export function checkUploadFile(
  file: string,
  maxBytes: number = SOUND_LIMITS.maxUploadBytes,
): { ok: true; bytes: number } | { ok: false; reason: DecodeRefusal; error: string } {
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    return { ok: false, reason: 'not-a-file', error: `cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (!st.isFile()) return { ok: false, reason: 'not-a-file', error: 'it is not a regular file' };
  if (st.size === 0) return { ok: false, reason: 'empty', error: 'it is empty (0 bytes)' };
  if (st.size > maxBytes)
    return { ok: false, reason: 'too-big', error: `it is ${mib(st.size)}; an upload may be at most ${mib(maxBytes)} (not read)` };
  return { ok: true, bytes: st.size };
}

/**
 * Decodes `file` within `bounds`, in one ffmpeg run to two pipes: `pcm` at SOUND_RATE and
 * `pcm16` at WIDEBAND_RATE, both mono signed 16-bit little-endian.
 */
export async function decodeUpload(file: string, bounds: DecodeBounds = DECODE_BOUNDS): Promise<Decoded> {
  const checked = checkUploadFile(file, bounds.maxUploadBytes);
  if (!checked.ok) return checked;
  // A little past the limit, so a file that is too long is seen to be (prepareSound refuses it).
  const stopAt = bounds.maxSeconds + 0.5;
  const maxPcmBytes = Math.ceil(stopAt * WIDEBAND_RATE * 2) + 65536;
  const output = (rate: number, pipe: string) => [
    '-map',
    '0:a:0',
    '-ac',
    '1',
    '-ar',
    String(rate),
    '-t',
    String(stopAt),
    '-f',
    's16le',
    '-c:a',
    'pcm_s16le',
    pipe,
  ];
  const args = [
    `--data=${bounds.dataBytes}`,
    `--cpu=${bounds.cpuSeconds}`,
    '--fsize=0',
    '--nofile=64',
    '--',
    'ffmpeg',
    '-nostdin',
    '-hide_banner',
    '-v',
    'error',
    '-xerror',
    '-threads',
    '1',
    '-protocol_whitelist',
    'file',
    '-format_whitelist',
    DEMUXERS,
    '-i',
    // "file:" so a name like "pipe:0" or "http:..." is a file name, nothing else.
    `file:${file}`,
    ...output(SOUND_RATE, 'pipe:1'),
    ...output(WIDEBAND_RATE, 'pipe:3'),
  ];
  return new Promise<Decoded>((resolve) => {
    const child = spawn('prlimit', args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    const collected = [
      { chunks: [] as Buffer[], bytes: 0 },
      { chunks: [] as Buffer[], bytes: 0 },
    ];
    let stderr = '';
    let overflow = false;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, bounds.timeoutMs);
    [child.stdout as Readable, child.stdio[3] as Readable].forEach((stream, i) => {
      const into = collected[i]!;
      stream.on('data', (c: Buffer) => {
        if (overflow) return;
        into.bytes += c.length;
        if (into.bytes > maxPcmBytes) {
          overflow = true;
          child.kill('SIGKILL');
          return;
        }
        into.chunks.push(c);
      });
    });
    (child.stderr as Readable).on('data', (c: Buffer) => {
      if (stderr.length < MAX_STDERR) stderr += c.toString('utf8').slice(0, MAX_STDERR - stderr.length);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({
        ok: false,
        reason: 'no-decoder',
        error: `prlimit could not be started (${err.code ?? err.message}): install util-linux and ffmpeg`,
      });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const [pcm, pcm16] = collected.map((c) => Buffer.concat(c.chunks)) as [Buffer, Buffer];
      resolve(classify({ code, signal, pcm, pcm16, stderr, timedOut, overflow, bounds, sourceBytes: checked.bytes }));
    });
  });
}

function classify(r: {
  code: number | null;
  signal: NodeJS.Signals | null;
  pcm: Buffer;
  pcm16: Buffer;
  stderr: string;
  timedOut: boolean;
  overflow: boolean;
  bounds: DecodeBounds;
  sourceBytes: number;
}): Decoded {
  const said = firstLine(r.stderr);
  const decodedSeconds = (r.pcm.length / 2 / SOUND_RATE).toFixed(1);
  if (r.timedOut) return { ok: false, reason: 'bounds', error: `decoding took longer than ${r.bounds.timeoutMs / 1000} s; stopped` };
  // -t stops ffmpeg at the limit; more output than that is not a file this accepts.
  if (r.overflow) return { ok: false, reason: 'bounds', error: 'the decoder wrote more audio than the length limit allows; stopped' };
  if (r.signal === 'SIGXCPU' || r.signal === 'SIGKILL' || r.signal === 'SIGSEGV' || r.signal === 'SIGABRT' || r.signal === 'SIGXFSZ')
    return {
      ok: false,
      reason: 'bounds',
      error: `the decoder stopped at its time or memory bound (${r.signal}) after ${decodedSeconds} s of audio`,
    };
  if (r.code === 127 || /failed to execute ffmpeg/i.test(r.stderr))
    return { ok: false, reason: 'no-decoder', error: 'ffmpeg is not installed (Debian package ffmpeg; scripts/install-deps installs it)' };
  if (r.code === 0 && r.pcm.length > 0) return { ok: true, pcm: r.pcm, pcm16: r.pcm16, sourceBytes: r.sourceBytes };
  if (/does not contain any stream|matches no streams/i.test(r.stderr))
    return { ok: false, reason: 'no-audio-stream', error: 'it has no audio stream' };
  if (r.pcm.length === 0 && r.code !== 0)
    return { ok: false, reason: 'not-audio', error: `it is not audio ffmpeg reads as ${ACCEPTED_FORMATS}${said ? ` (${said})` : ''}` };
  if (r.pcm.length === 0) return { ok: false, reason: 'corrupt', error: 'it is corrupt: its audio stream decodes to nothing' };
  return {
    ok: false,
    reason: 'corrupt',
    error: `it is corrupt: decoding failed after ${decodedSeconds} s of audio${said ? ` (${said})` : ''}`,
  };
}

/** ffmpeg's first error line without its "[demuxer @ 0x…]" prefix, cut short and printable. */
function firstLine(stderr: string): string {
  const line = stderr.split('\n').find((l) => l.trim() !== '') ?? '';
  return line
    .replace(/^\[[^\]]*\]\s*/, '')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 160)
    .trim();
}

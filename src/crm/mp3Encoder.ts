// WAV to MP3 for the voicemail e-mail, with `lame` or else `sox` (built with MP3 support,
// Debian: libsox-fmt-mp3) when the machine has one; otherwise the mail carries the WAV only.
// The encoder runs as a child process, bytes in on stdin and out on stdout, bounded in time
// and size.
import { spawn } from 'node:child_process';

/** WAV bytes in, MP3 bytes out; null when no encoder is installed or it failed (the WAV still goes out). */
export type Mp3Encoder = (wav: Buffer, signal: AbortSignal) => Promise<Buffer | null>;

interface Candidate {
  command: string;
  args: string[];
}

// 32 kbit/s mono: a 8 kHz voice recording loses nothing audible, and a minute is 240 KB.
const CANDIDATES: Candidate[] = [
  { command: 'lame', args: ['--quiet', '-b', '32', '-m', 'm', '-', '-'] },
  { command: 'sox', args: ['-q', '-t', 'wav', '-', '-t', 'mp3', '-C', '32', '-'] },
];

const TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export interface Mp3EncoderOptions {
  /** Encoders to try, in order; default lame, then sox. */
  candidates?: Candidate[];
  onFailure?: (command: string, err: Error) => void;
}

/** Tries each encoder once; the first that works is used from then on, one that is missing is not tried again. */
export function createMp3Encoder(o: Mp3EncoderOptions = {}): Mp3Encoder {
  const candidates = [...(o.candidates ?? CANDIDATES)];
  return async (wav, signal) => {
    while (candidates.length > 0) {
      const c = candidates[0] as Candidate;
      try {
        return await run(c, wav, signal);
      } catch (err) {
        if (signal.aborted) throw err;
        o.onFailure?.(c.command, err as Error);
        // A missing command is gone for good; a failed encoding (a WAV it cannot read) is this file's problem.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') candidates.shift();
        else return null;
      }
    }
    return null;
  };
}

function run(c: Candidate, input: Buffer, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(c.command, c.args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]),
    });
    const out: Buffer[] = [];
    let size = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_OUTPUT_BYTES) child.kill('SIGKILL');
      else out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-500)));
    child.on('error', reject);
    child.stdin.on('error', () => undefined); // an encoder that exits early closes the pipe
    child.on('close', (code) => {
      if (code === 0 && size > 0 && size <= MAX_OUTPUT_BYTES) resolve(Buffer.concat(out));
      else reject(new Error(`${c.command} exited with ${code ?? 'a signal'}${stderr ? `: ${stderr.trim()}` : ''}`));
    });
    child.stdin.end(input);
  });
}

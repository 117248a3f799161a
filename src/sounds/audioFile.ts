import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { extname } from 'node:path';

// Greetings and announcements are played by Asterisk, which needs its own formats.
// MP3, M4A, OGG and FLAC are stored with `after-hours sound add` (converted) and named as
// sound:NAME, so a path to one is refused here with that hint.

export const AUDIO_EXTENSIONS = ['.wav', '.gsm', '.ulaw', '.alaw', '.sln', '.sln16', '.g722'];

/** Formats `after-hours sound add` converts, which Asterisk does not play from a path. */
const UPLOADABLE: Record<string, string> = { '.mp3': 'MP3', '.m4a': 'M4A', '.aac': 'AAC', '.ogg': 'OGG', '.opus': 'Opus', '.flac': 'FLAC' };

export function checkAudioFile(file: string): string | undefined {
  const ext = extname(file).toLowerCase();
  const kind = UPLOADABLE[ext];
  if (kind !== undefined)
    return `${file} is ${kind}: store it with "after-hours sound add FILE --name NAME" and write sound:NAME here (it is converted for Asterisk), or convert it to 8 kHz mono WAV first (sox in.mp3 -r 8000 -c 1 -b 16 out.wav)`;
  if (!AUDIO_EXTENSIONS.includes(ext)) return `${file} is not an audio file Asterisk plays (${AUDIO_EXTENSIONS.join(', ')})`;
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return `${file} is not a file`;
    size = st.size;
  } catch {
    return `audio file ${file} does not exist`;
  }
  if (size === 0) return `audio file ${file} is empty`;
  if (ext === '.wav') {
    const head = Buffer.alloc(12);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, head, 0, 12, 0);
    } finally {
      closeSync(fd);
    }
    if (head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE')
      return `${file} is not a WAV file (no RIFF/WAVE header)`;
  }
  return undefined;
}

/** Asterisk's `sound:` URI for an absolute file path (the extension is left off). */
export function soundUri(file: string): string {
  return `sound:${file.slice(0, file.length - extname(file).length)}`;
}

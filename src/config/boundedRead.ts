import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';

// Files named by an operator (the configuration, its iCalendar files, the secrets' X_FILE)
// are read through here: only regular files, only up to a size limit, so `validate /dev/zero`,
// a FIFO or a symlink to a device is refused at once instead of growing memory or blocking
// forever.

/** 64 MiB: the 100,000-number benchmark file is about 25 MB. */
export const MAX_CONFIG_BYTES = 64 * 1024 * 1024;
/**
 * 1 MiB: a public-holiday calendar is a few KB; 1 MiB holds about 8,000 single closures,
 * parsed in about a quarter of a second (node-ical).
 */
export const MAX_ICS_BYTES = 1024 * 1024;

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

/** `null` when the stats describe a regular file within the limit; the reason otherwise. */
function refusal(st: Stats, path: string, maxBytes: number, what: string): string | null {
  if (!st.isFile()) return `${what} ${path} is ${kindOf(st)}, not a regular file`;
  if (st.size > maxBytes) return `${what} ${path} is too large (${st.size} bytes; the limit is ${sizeText(maxBytes)})`;
  return null;
}

function lineAt(buf: Buffer, offset: number): number {
  let line = 1;
  for (let i = buf.indexOf(10); i !== -1 && i < offset; i = buf.indexOf(10, i + 1)) line++;
  return line;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a regular file of at most `maxBytes` bytes as UTF-8 text. `what` names the file in
 * messages ("configuration file", "iCalendar file").
 *
 * Checked twice: by path before opening (a device or an oversized file is never opened),
 * and on the open descriptor (the path may have been swapped in between). The open is
 * non-blocking, so a FIFO swapped in cannot block, and the read stops after `maxBytes + 1`
 * bytes, so a file that grows while being read is refused rather than read without end.
 */
export function readRegularFile(path: string, maxBytes: number, what: string): { ok: true; text: string } | { ok: false; error: string } {
  const failed = (e: unknown) => {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false as const, error: `${what} ${path} does not exist` };
    if (code === 'EACCES' || code === 'EPERM')
      return { ok: false as const, error: `${what} ${path} cannot be read: permission denied (${code})` };
    return { ok: false as const, error: `${what} ${path} cannot be read: ${code ?? (e instanceof Error ? e.message : String(e))}` };
  };
  let st: Stats;
  try {
    st = statSync(path); // follows symlinks: a link to /dev/zero is a character device
  } catch (e) {
    return failed(e);
  }
  const before = refusal(st, path, maxBytes, what);
  if (before) return { ok: false, error: before };

  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return failed(e);
  }
  let buf: Buffer;
  let length = 0;
  try {
    const opened = fstatSync(fd);
    const after = refusal(opened, path, maxBytes, what);
    if (after) return { ok: false, error: after };
    // One byte more than the limit: reading it means the file grew past the limit.
    buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, opened.size + 1));
    for (;;) {
      if (length === buf.length) {
        if (buf.length > maxBytes) break;
        const bigger = Buffer.allocUnsafe(Math.min(maxBytes + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, length);
        buf = bigger;
      }
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
    }
  } catch (e) {
    return failed(e);
  } finally {
    closeSync(fd);
  }
  if (length > maxBytes) return { ok: false, error: `${what} ${path} grew past the limit of ${sizeText(maxBytes)} while being read` };

  const bytes = buf.subarray(0, length);
  const nul = bytes.indexOf(0);
  if (nul !== -1) return { ok: false, error: `${what} ${path} is not a text file (a NUL byte at line ${lineAt(bytes, nul)})` };
  try {
    return { ok: true, text: utf8.decode(bytes) };
  } catch {
    return { ok: false, error: `${what} ${path} is not UTF-8 text (${invalidUtf8At(bytes)}): save it as UTF-8` };
  }
}

/** The line of the first invalid UTF-8 sequence, for the message. */
function invalidUtf8At(bytes: Buffer): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 10) {
      try {
        utf8.decode(bytes.subarray(lineStart, i));
      } catch {
        return `line ${line}`;
      }
      line++;
      lineStart = i + 1;
    }
  }
  return 'at the end';
}

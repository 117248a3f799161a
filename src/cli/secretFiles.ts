// Secrets from files: X_FILE names a file whose content is X (Docker secrets, systemd
// credentials, a root-only file), for every setting that is a secret.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { SettingsError } from './exitCodes';

/** The settings that are secrets: each may come from a file named by X_FILE instead (Docker, systemd credentials). */
export const SECRET_SETTINGS = [
  'ARI_PASSWORD',
  'REDIS_URL',
  'REDIS_PASSWORD',
  'REDIS_SENTINEL_PASSWORD',
  'BITRIX24_WEBHOOK_URL',
  'BITRIX24_CLIENT_SECRET',
  'WEBHOOK_SECRET',
  'SMTP_URL',
  'SMTP_PASSWORD',
] as const;
const SECRET_FILE_MAX_BYTES = 64 * 1024;

/**
 * For each secret X with X_FILE set, X becomes the file's content without surrounding white
 * space (a trailing newline is usual). Both set, an unreadable, empty or oversized file is a
 * SettingsError. Called once at start by main.ts, so every verb reads X as before.
 */
export function loadSecretFiles(vars: NodeJS.ProcessEnv = process.env): void {
  for (const name of SECRET_SETTINGS) {
    const file = vars[`${name}_FILE`];
    if (file === undefined || file === '') continue;
    if (vars[name] !== undefined && vars[name] !== '') throw new SettingsError(`${name} and ${name}_FILE are both set; set one`);
    let text: string;
    try {
      text = readSmallRegularFile(file);
    } catch (err) {
      // fs errors carry a message even where they are not instances of this realm's Error (jest)
      const reason = typeof (err as { message?: unknown })?.message === 'string' ? (err as Error).message : String(err);
      throw new SettingsError(`${name}_FILE ${file}: ${reason}`, { cause: err });
    }
    const value = text.trim();
    if (value === '') throw new SettingsError(`${name}_FILE ${file} is empty`);
    vars[name] = value;
  }
}

function readSmallRegularFile(file: string): string {
  // stat before opening: opening a FIFO would wait for a writer
  if (!statSync(file).isFile()) throw new Error('not a regular file');
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > SECRET_FILE_MAX_BYTES) throw new Error(`larger than ${SECRET_FILE_MAX_BYTES} bytes`);
    const buf = Buffer.alloc(SECRET_FILE_MAX_BYTES + 1);
    let n = 0;
    for (let r; n < buf.length && (r = readSync(fd, buf, n, buf.length - n, null)) > 0;) n += r;
    if (n > SECRET_FILE_MAX_BYTES) throw new Error(`larger than ${SECRET_FILE_MAX_BYTES} bytes`);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

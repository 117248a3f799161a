// Secrets from files: X_FILE names a file whose content is X (Docker secrets, systemd
// credentials, a root-only file), for every setting that is a secret.
import { readRegularFile } from '../config/boundedRead';
import { SECRET_SETTINGS } from '../settings/declaration';
import { SettingsError } from './exitCodes';

export { SECRET_SETTINGS };
const SECRET_FILE_MAX_BYTES = 64 * 1024;

/**
 * For each secret X with X_FILE set, X becomes the file's content without surrounding white
 * space (a trailing newline is usual). Both set, or a file that is missing, unreadable, not a
 * regular file, oversized, not UTF-8 text or empty is a SettingsError. Called once at start
 * by main.ts, so every verb reads X as before.
 */
export function loadSecretFiles(vars: NodeJS.ProcessEnv = process.env): void {
  for (const name of SECRET_SETTINGS) {
    const file = vars[`${name}_FILE`];
    if (file === undefined || file === '') continue;
    if (vars[name] !== undefined && vars[name] !== '') throw new SettingsError(`${name} and ${name}_FILE are both set; set one`);
    // Only a regular file within the limit: not a FIFO (it would wait for a writer) or a device.
    const read = readRegularFile(file, SECRET_FILE_MAX_BYTES, `${name}_FILE`);
    if (!read.ok) throw new SettingsError(read.error);
    const value = read.text.trim();
    if (value === '') throw new SettingsError(`${name}_FILE ${file} is empty`);
    vars[name] = value;
  }
}

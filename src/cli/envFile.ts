// --env-file FILE: settings from an environment file (the service's own, usually
// /etc/after-hours/after-hours.env) for a command typed at the shell, so an operator need not
// export REDIS_URL by hand to run `override set`. Read before commander parses anything and
// before the X_FILE secrets, so every verb and every setting sees it as the environment.
// The syntax is systemd's EnvironmentFile= for what that file holds: VAR=value a line, # and ;
// comments, a value in single or double quotes. A variable already in the environment wins
// (as with node's own --env-file): `REDIS_URL=… after-hours --env-file …` overrides the file.
import { readRegularFile } from '../config/boundedRead';
import { SettingsError } from './exitCodes';

const ENV_FILE_MAX_BYTES = 1024 * 1024;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The files `--env-file FILE` / `--env-file=FILE` name in `argv` (the arguments after the program), in order. */
export function envFilesIn(argv: readonly string[]): string[] {
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') break;
    if (a === '--env-file' && i + 1 < argv.length) files.push(argv[++i] as string);
    else if (a.startsWith('--env-file=')) files.push(a.slice('--env-file='.length));
  }
  return files;
}

/** VAR=value pairs of an environment file, in order; a line that is neither one nor a comment is an error naming FILE:LINE. */
export function parseEnvFile(text: string, file: string): [string, string][] {
  const pairs: [string, string][] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const eq = line.indexOf('=');
    const name = eq === -1 ? line : line.slice(0, eq).trim();
    if (eq === -1 || !NAME.test(name))
      throw new SettingsError(`--env-file ${file}:${i + 1}: not VAR=value (a name of letters, digits and _, then =)`);
    pairs.push([name, unquote(line.slice(eq + 1).trim())]);
  });
  return pairs;
}

function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1);
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  return v;
}

/**
 * Reads every --env-file of `argv` into `env`, without replacing a variable already set there.
 * A missing, unreadable or malformed file is a SettingsError (exit 78) naming it.
 */
export function loadEnvFiles(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const fromFiles = new Map<string, string>();
  for (const file of envFilesIn(argv)) {
    if (file === '') throw new SettingsError('--env-file needs a file name');
    const read = readRegularFile(file, ENV_FILE_MAX_BYTES, '--env-file');
    if (!read.ok) throw new SettingsError(read.error);
    for (const [name, value] of parseEnvFile(read.text, file)) fromFiles.set(name, value); // a later file wins over an earlier
  }
  for (const [name, value] of fromFiles) if (env[name] === undefined) env[name] = value;
}

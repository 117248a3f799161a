// Reads one process's settings from the environment by the declaration: every value checked
// at once, every refusal named in one SettingsError (exit 78), secrets never echoed.
import { SETTINGS, type SettingName, type SettingValue } from './declaration';
import { ValueRefused, type Process, type Spec } from './spec';
import { SettingsError } from './settingsError';

export type Env = Readonly<Record<string, string | undefined>>;

/** The names a process reads. */
export type NamesOf<P extends Process> = {
  [N in SettingName]: P extends (typeof SETTINGS)[N]['processes'][number] ? N : never;
}[SettingName];

/** One process's settings, typed by the declaration. */
export type ProcessValues<P extends Process> = { readonly [N in NamesOf<P>]: SettingValue<N> };

/** The declared names a process reads, in declaration order. */
export function namesOf(process: Process): SettingName[] {
  return (Object.keys(SETTINGS) as SettingName[]).filter((n) => (SETTINGS[n].processes as readonly Process[]).includes(process));
}

function refusal(name: string, spec: Spec<unknown>, raw: string, reason: string): string {
  return spec.secret ? `${name} ${reason} (the value is a secret: not shown)` : `${name} ${reason} (got ${JSON.stringify(raw)})`;
}

/**
 * Every declared setting of `process` from `env`: unset or empty takes the default; a value the
 * declaration refuses is collected, and all refusals are thrown as one SettingsError.
 */
export function readValues<P extends Process>(process: P, env: Env): ProcessValues<P> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const name of namesOf(process)) {
    const spec: Spec<unknown> = SETTINGS[name];
    const raw = env[name];
    if (raw === undefined || raw === '') {
      out[name] = spec.default;
      continue;
    }
    try {
      out[name] = spec.parse(raw);
    } catch (err) {
      if (!(err instanceof ValueRefused)) throw err;
      problems.push(refusal(name, spec, raw, err.message));
    }
  }
  if (problems.length > 0) throw new SettingsError(problems.join('; '));
  return out as ProcessValues<P>;
}

/**
 * Pieces of the secrets set in `env` as they could appear in a message: each whole value and,
 * for URLs, the user part and each of its pieces (split at : and @) of three characters or more.
 */
function secretPieces(env: Env): string[] {
  const pieces = new Set<string>();
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const value = env[name];
    if (!SETTINGS[name].secret || value === undefined || value.length < 3) continue;
    pieces.add(value);
    const userinfo = /^[a-z][a-z0-9+.-]*:\/\/(.*)@[^@]*$/i.exec(value)?.[1];
    if (userinfo !== undefined) {
      pieces.add(userinfo);
      for (const p of userinfo.split(/[:@]/)) if (p.length >= 3) pieces.add(p);
    }
  }
  return [...pieces].sort((a, b) => b.length - a.length);
}

/** A message with every piece of a secret in `env` replaced by "***": the last guard before a refusal is printed. */
export function withoutSecrets(message: string, env: Env): string {
  let out = message;
  for (const piece of secretPieces(env)) out = out.split(piece).join('***');
  return out;
}

/**
 * Runs a check of several settings together (Redis, SMTP, listeners, the CRM's credentials):
 * any error it throws becomes a SettingsError whose message carries no secret of `env`.
 */
export function checked<T>(env: Env, check: () => T): T {
  try {
    return check();
  } catch (err) {
    const message = withoutSecrets(err instanceof Error ? err.message : String(err), env);
    if (err instanceof SettingsError) {
      if (message === err.message) throw err;
      throw new SettingsError(message);
    }
    throw new SettingsError(message);
  }
}

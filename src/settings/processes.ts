// One typed settings object per process, parsed from the declaration at start: the values
// themselves, plus what several of them make together (Redis, listeners, SMTP), all checked
// before anything connects. A refusal is a SettingsError (exit 78) that names the variable.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Listen } from '../shared/httpServer';
import { WORKER_METRICS_PORT } from './declaration';
import { daemonListen, metricsListen } from './listen';
import { checked, readValues, type Env, type ProcessValues } from './read';
import { redisSettings, type RedisSettings } from './redis';
import { smtpSettings, type SmtpSettings } from './smtp';

/** SPOOL_DIR's default: $XDG_STATE_HOME/after-hours/spool ($XDG_STATE_HOME: ~/.local/state). */
export function defaultSpoolDir(env: Env): string {
  const state = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'after-hours', 'spool');
}

export type DaemonSettings = ProcessValues<'daemon'> & {
  readonly redis: RedisSettings;
  readonly metricsListen: Listen;
  readonly decisionListen: Listen;
  readonly spoolDir: string;
};

export function daemonSettings(env: Env = process.env): DaemonSettings {
  const values = readValues('daemon', env);
  const redis = checked(env, () => redisSettings(env));
  const listen = checked(env, () => daemonListen(env));
  return {
    ...values,
    redis,
    metricsListen: listen.metrics,
    decisionListen: listen.decision,
    spoolDir: values.SPOOL_DIR ?? defaultSpoolDir(env),
  };
}

export type WorkerSettings = ProcessValues<'worker'> & {
  readonly redis: RedisSettings;
  readonly metricsListen: Listen;
  /** Voicemail e-mail; undefined when neither SMTP_URL nor SMTP_HOST is set. */
  readonly smtp: SmtpSettings | undefined;
};

export function workerSettings(env: Env = process.env): WorkerSettings {
  const values = readValues('worker', env);
  const redis = checked(env, () => redisSettings(env));
  const listen = checked(env, () => metricsListen(env, WORKER_METRICS_PORT));
  const smtp = checked(env, () => smtpSettings(env));
  return { ...values, redis, metricsListen: listen, smtp };
}

export type ConsoleSettings = ProcessValues<'console'> & { readonly redis: RedisSettings };

export function consoleSettings(env: Env = process.env): ConsoleSettings {
  const values = readValues('console', env);
  return { ...values, redis: checked(env, () => redisSettings(env)) };
}

export type CliSettings = ProcessValues<'cli'> & { readonly redis: RedisSettings; readonly spoolDir: string };

/** The verbs other than start, crm-worker and console. */
export function cliSettings(env: Env = process.env): CliSettings {
  const values = readValues('cli', env);
  return { ...values, redis: checked(env, () => redisSettings(env)), spoolDir: values.SPOOL_DIR ?? defaultSpoolDir(env) };
}

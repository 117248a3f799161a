import { homedir } from 'node:os';
import { join } from 'node:path';
import { ARI_REST_CLIENTS, type AriRestClient } from '../ari/rest';
import { DEFAULT_PREFIX } from '../store/eventStream';
import { DEFAULT_VERSIONS_KEPT, MAX_VERSIONS_KEPT } from '../store/configVersions';
import { RedisSettingsError, redisSettings as parseRedisSettings, type RedisSettings } from '../store/redisClient';
import { SettingsError } from './exitCodes';

// Settings that are secrets or belong to the deployment come from the environment.

export function env(name: string, fallback: string): string {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : v;
}

export function envInt(name: string, fallback: number): number {
  const v = Number(env(name, String(fallback)));
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a non-negative integer`);
  return v;
}

/**
 * The Redis settings (REDIS_URL, or REDIS_SENTINELS + REDIS_SENTINEL_NAME, credentials, WAIT),
 * checked; a refused one is a SettingsError. Pass them to createRedisClient.
 */
export function redisSettings(vars: Record<string, string | undefined> = process.env): RedisSettings {
  try {
    return parseRedisSettings(vars);
  } catch (err) {
    if (err instanceof RedisSettingsError) throw new SettingsError(err.message, { cause: err });
    throw err;
  }
}
export const redisPrefix = (): string => env('REDIS_PREFIX', DEFAULT_PREFIX);

/** CONFIG_VERSIONS_KEEP: how many pushed versions Redis keeps. */
export function versionsKept(): number {
  const raw = env('CONFIG_VERSIONS_KEEP', String(DEFAULT_VERSIONS_KEPT));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_VERSIONS_KEPT)
    throw new SettingsError(`CONFIG_VERSIONS_KEEP must be a whole number from 1 to ${MAX_VERSIONS_KEPT} (got "${raw}")`);
  return n;
}

export const spoolDir = (): string =>
  env('SPOOL_DIR', join(env('XDG_STATE_HOME', join(homedir(), '.local', 'state')), 'after-hours', 'spool'));

/** ARI_REST_CLIENT: which transport carries the daemon's ARI REST calls (own | agent). */
export function ariRestClient(): AriRestClient {
  const v = env('ARI_REST_CLIENT', 'own');
  if (!(ARI_REST_CLIENTS as readonly string[]).includes(v))
    throw new Error(`ARI_REST_CLIENT must be one of ${ARI_REST_CLIENTS.join(', ')} (got "${v}")`);
  return v as AriRestClient;
}

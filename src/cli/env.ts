import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PREFIX } from '../events/stream';

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

export const redisUrl = (): string => env('REDIS_URL', 'redis://127.0.0.1:6379');
export const redisPrefix = (): string => env('REDIS_PREFIX', DEFAULT_PREFIX);
export const spoolDir = (): string => env('SPOOL_DIR', join(env('XDG_STATE_HOME', join(homedir(), '.local', 'state')), 'after-hours', 'spool'));

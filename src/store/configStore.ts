import type { Redis } from 'ioredis';
import type { AppConfig, NumberConfig } from '../config/types';

// Compiled configurations in Redis, versioned. `push` writes a new version and announces it;
// every daemon loads it on the announcement. What is stored is the compiled form (E.164
// DIDs, resolved holidays, absolute paths), so every daemon runs exactly what was validated.

export interface StoredConfig {
  version: number;
  pushedAt: string;
  config: AppConfig;
}

export function configKeys(prefix: string) {
  return { current: `${prefix}config:current`, version: `${prefix}config:version`, channel: `${prefix}config:changed` };
}

type SerialNumber = Omit<NumberConfig, 'holidayDays'> & { holidayDays: number[] };

function serialise(config: AppConfig): string {
  return JSON.stringify({ ...config, numbers: config.numbers.map((n) => ({ ...n, holidayDays: Array.from(n.holidayDays) })) });
}

function deserialise(text: string): AppConfig {
  const raw = JSON.parse(text) as Omit<AppConfig, 'numbers'> & { numbers: SerialNumber[] };
  return { ...raw, numbers: raw.numbers.map((n) => ({ ...n, holidayDays: Int32Array.from(n.holidayDays) })) };
}

const PUSH_SCRIPT = `
local v = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], cjson.encode({version = v, pushedAt = ARGV[2]}) .. '\\n' .. ARGV[1])
redis.call('PUBLISH', KEYS[3], v)
return v`;

export async function pushConfig(redis: Redis, prefix: string, config: AppConfig, now: Date): Promise<number> {
  const k = configKeys(prefix);
  const v = await redis.eval(PUSH_SCRIPT, 3, k.current, k.version, k.channel, serialise(config), now.toISOString());
  return Number(v);
}

export async function readConfig(redis: Redis, prefix: string): Promise<StoredConfig | undefined> {
  const text = await redis.get(configKeys(prefix).current);
  if (text === null) return undefined;
  const nl = text.indexOf('\n');
  const head = JSON.parse(text.slice(0, nl)) as { version: number; pushedAt: string };
  return { version: head.version, pushedAt: head.pushedAt, config: deserialise(text.slice(nl + 1)) };
}

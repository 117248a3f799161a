import { isIPv6 } from 'node:net';
import type { ErrorCode } from '../shared/errorCodes';
import { SettingsError } from './settingsError';

// Every Redis connection after-hours opens (daemon, subscriber, CLI, CRM worker, console) is
// built by createRedisClient from RedisSettings, which redisSettings() reads from the
// environment: one standalone server (REDIS_URL) or a primary found through Redis Sentinel
// (REDIS_SENTINELS + REDIS_SENTINEL_NAME, or REDIS_URL=redis+sentinel://…).

export type RedisEnv = Record<string, string | undefined>;

/** Every environment variable redisSettings() reads. */
export const REDIS_SETTINGS = [
  'REDIS_URL',
  'REDIS_SENTINELS',
  'REDIS_SENTINEL_NAME',
  'REDIS_USERNAME',
  'REDIS_PASSWORD',
  'REDIS_SENTINEL_USERNAME',
  'REDIS_SENTINEL_PASSWORD',
  'REDIS_WAIT_REPLICAS',
  'REDIS_WAIT_TIMEOUT_MS',
] as const;

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_WAIT_TIMEOUT_MS = 500;
const MAX_WAIT_TIMEOUT_MS = 60_000;
const URL_FORM = 'redis+sentinel://[user:password@]host1:port1,host2:port2/mastername';

export interface HostPort {
  host: string;
  port: number;
}

export type RedisEndpoint =
  | { kind: 'standalone'; url: string; username?: string; password?: string }
  | {
      kind: 'sentinel';
      sentinels: HostPort[];
      /** The master name the sentinels monitor. */
      name: string;
      /** Credentials of the data nodes (primary and replicas). */
      username?: string;
      password?: string;
      /** Credentials of the sentinels themselves (sentinel.conf requirepass / ACL). */
      sentinelUsername?: string;
      sentinelPassword?: string;
    };

export interface RedisSettings {
  endpoint: RedisEndpoint;
  /**
   * After an event is appended, wait until this many replicas confirm it (WAIT), as far as
   * the primary has replicas connected. 0 = the primary's acknowledgement is enough.
   */
  waitReplicas: number;
  waitTimeoutMs: number;
}

/** A Redis setting in the environment is missing, contradictory or malformed. */
export class RedisSettingsError extends SettingsError {
  override readonly code: ErrorCode = 'AH_ERR_REDIS_SETTINGS';
  constructor(message: string) {
    super(message);
    this.name = 'RedisSettingsError';
  }
}

const set = (env: RedisEnv, name: string): string | undefined => {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
};

/** One sentinel address: `host:port`, `[v6]:port`; the port is required. */
export function parseHostPort(text: string, what = 'sentinel address'): HostPort {
  const t = text.trim();
  const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(t);
  const plain = /^([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/.exec(t);
  const m = bracketed ?? plain;
  if (!m) {
    const hint = (t.match(/:/g) ?? []).length > 1 && !t.startsWith('[') ? ' (write an IPv6 address in brackets: [::1]:26379)' : '';
    throw new RedisSettingsError(`${what} "${t}" is not host:port${hint}`);
  }
  const host = m[1] as string;
  if (bracketed && !isIPv6(host)) throw new RedisSettingsError(`${what} "${t}": [${host}] is not an IPv6 address`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new RedisSettingsError(`${what} "${t}": port ${port} is out of range (1-65535)`);
  return { host, port };
}

/** A comma-separated list of sentinel addresses (at least one; repeats refused). */
export function parseSentinelList(text: string, what = 'REDIS_SENTINELS'): HostPort[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new RedisSettingsError(`${what} has an empty address (a stray comma?): "${text}"`);
  const list = items.map((s) => parseHostPort(s, `${what}: sentinel address`));
  const seen = new Set<string>();
  for (const a of list) {
    const key = `${a.host.toLowerCase()}:${a.port}`;
    if (seen.has(key)) throw new RedisSettingsError(`${what} names ${formatHostPort(a)} twice`);
    seen.add(key);
  }
  return list;
}

export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new RedisSettingsError(`REDIS_URL: the ${what} is not valid percent-encoding`);
  }
}

/** `redis+sentinel://[user:password@]host1:port1,host2:port2/mastername` */
function parseSentinelUrl(url: string): { sentinels: HostPort[]; name: string; username?: string; password?: string } {
  // The user part ends at the LAST @ before the hosts: a password with an unencoded @ stays whole
  // (and out of every message), never read as a host.
  const m = /^redis\+sentinel:\/\/(?:([^/?#]*)@)?([^@/?#]*)(?:\/([^/?#]*))?\/?$/i.exec(url);
  if (!m) throw new RedisSettingsError(`REDIS_URL is not of the form ${URL_FORM}`);
  const [, userinfo, hosts, rawName] = m;
  if (!hosts) throw new RedisSettingsError(`REDIS_URL names no sentinel (${URL_FORM})`);
  const name = rawName ? decode(rawName, 'master name') : '';
  if (name === '') throw new RedisSettingsError(`REDIS_URL names no master after the sentinels (${URL_FORM})`);
  let username: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    username = decode(colon < 0 ? userinfo : userinfo.slice(0, colon), 'user name') || undefined;
    password = colon < 0 ? undefined : decode(userinfo.slice(colon + 1), 'password') || undefined;
  }
  return { sentinels: parseSentinelList(hosts, 'REDIS_URL'), name, username, password };
}

function nonNegativeInt(env: RedisEnv, name: string, fallback: number, max: number): number {
  const raw = set(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n > max)
    throw new RedisSettingsError(`${name} must be a whole number from 0 to ${max} (got "${raw}")`);
  return n;
}

/**
 * Reads and checks the Redis settings (names in REDIS_SETTINGS). Throws RedisSettingsError
 * with the reason: both REDIS_URL and REDIS_SENTINELS, a sentinel that is not host:port, a
 * password given twice, sentinel settings without sentinels, …
 */
export function redisSettings(env: RedisEnv = process.env): RedisSettings {
  const url = set(env, 'REDIS_URL');
  const sentinels = set(env, 'REDIS_SENTINELS');
  const name = set(env, 'REDIS_SENTINEL_NAME');
  const username = set(env, 'REDIS_USERNAME');
  const password = set(env, 'REDIS_PASSWORD');
  const sentinelUsername = set(env, 'REDIS_SENTINEL_USERNAME');
  const sentinelPassword = set(env, 'REDIS_SENTINEL_PASSWORD');
  const sentinelUrl = url !== undefined && /^redis\+sentinel:/i.test(url);

  let endpoint: RedisEndpoint;
  if (sentinels !== undefined) {
    if (url !== undefined)
      throw new RedisSettingsError(
        'REDIS_URL and REDIS_SENTINELS are both set; set one (REDIS_SENTINELS with REDIS_SENTINEL_NAME, or REDIS_URL alone)',
      );
    if (name === undefined)
      throw new RedisSettingsError('REDIS_SENTINELS is set but REDIS_SENTINEL_NAME (the master name the sentinels monitor) is not');
    endpoint = { kind: 'sentinel', sentinels: parseSentinelList(sentinels), name, username, password, sentinelUsername, sentinelPassword };
  } else if (sentinelUrl) {
    if (name !== undefined)
      throw new RedisSettingsError(
        'REDIS_SENTINEL_NAME is set, but REDIS_URL already names the master (redis+sentinel://…/mastername); set one',
      );
    const u = parseSentinelUrl(url as string);
    if (u.username !== undefined && username !== undefined)
      throw new RedisSettingsError('the Redis user is set twice: in REDIS_URL and in REDIS_USERNAME; set one');
    if (u.password !== undefined && password !== undefined)
      throw new RedisSettingsError('the Redis password is set twice: in REDIS_URL and in REDIS_PASSWORD; set one');
    endpoint = {
      kind: 'sentinel',
      sentinels: u.sentinels,
      name: u.name,
      username: u.username ?? username,
      password: u.password ?? password,
      sentinelUsername,
      sentinelPassword,
    };
  } else {
    if (name !== undefined) throw new RedisSettingsError('REDIS_SENTINEL_NAME is set but REDIS_SENTINELS is not');
    if (sentinelUsername !== undefined || sentinelPassword !== undefined) {
      throw new RedisSettingsError(
        'REDIS_SENTINEL_USERNAME/REDIS_SENTINEL_PASSWORD are for sentinels: set REDIS_SENTINELS and REDIS_SENTINEL_NAME, or a redis+sentinel:// REDIS_URL',
      );
    }
    const u = url ?? DEFAULT_REDIS_URL;
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      throw new RedisSettingsError(`REDIS_URL is not a URL (redis://[user:password@]host:port[/db], rediss:// for TLS, or ${URL_FORM})`);
    }
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
      throw new RedisSettingsError(`REDIS_URL must start with redis://, rediss:// or redis+sentinel:// (got ${parsed.protocol}//)`);
    if (parsed.username !== '' && username !== undefined)
      throw new RedisSettingsError('the Redis user is set twice: in REDIS_URL and in REDIS_USERNAME; set one');
    if (parsed.password !== '' && password !== undefined)
      throw new RedisSettingsError('the Redis password is set twice: in REDIS_URL and in REDIS_PASSWORD; set one');
    endpoint = { kind: 'standalone', url: u, username, password };
  }
  const waitReplicas = nonNegativeInt(env, 'REDIS_WAIT_REPLICAS', endpoint.kind === 'sentinel' ? 1 : 0, 16);
  const waitTimeoutMs = nonNegativeInt(env, 'REDIS_WAIT_TIMEOUT_MS', DEFAULT_WAIT_TIMEOUT_MS, MAX_WAIT_TIMEOUT_MS);
  if (waitReplicas > 0 && waitTimeoutMs === 0)
    throw new RedisSettingsError('REDIS_WAIT_TIMEOUT_MS must be more than 0 when REDIS_WAIT_REPLICAS is (WAIT 0 would block forever)');
  return { endpoint, waitReplicas, waitTimeoutMs };
}

/** Where the settings point, without credentials: for logs and error messages. */
export function describeRedis(settings: RedisSettings): string {
  const e = settings.endpoint;
  if (e.kind === 'sentinel') return `master "${e.name}" via sentinels ${e.sentinels.map(formatHostPort).join(',')}`;
  try {
    const u = new URL(e.url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return 'redis';
  }
}

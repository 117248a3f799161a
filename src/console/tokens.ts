import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { isRole, type Role } from './roles';

// API tokens of the console. Only the SHA-256 digest of a token is stored (a token is 256
// random bits, so a plain hash is enough: nothing to guess, nothing to look up in a table).
// One hash keyed by digest finds a token in one step; a second maps names to digests so a
// name is unique and a token is revoked by its name.

export interface TokenRecord {
  name: string;
  role: Role;
  createdAt: string;
  /** ISO instant after which the token is refused; absent: it never expires. */
  expiresAt?: string;
}

interface StoredToken extends TokenRecord {
  digest: string;
}

export const TOKEN_PREFIX = 'aht_';
export const MAX_TOKEN_NAME = 64;
const NAME = /^[\p{L}\p{N}._@-]+$/u;

export function tokenKeys(prefix: string) {
  return { byDigest: `${prefix}console:tokens`, byName: `${prefix}console:token-names` };
}

export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** What is wrong with a token about to be created at `now`, or undefined. */
export function tokenProblem(t: { name: unknown; role: unknown; expiresAt?: unknown }, now: number): string | undefined {
  if (typeof t.name !== 'string' || t.name.length === 0 || t.name.length > MAX_TOKEN_NAME || !NAME.test(t.name))
    return `the name must be 1 to ${MAX_TOKEN_NAME} letters, digits, ".", "_", "@" or "-"`;
  if (!isRole(t.role)) return 'the role must be viewer, operator or admin';
  if (t.expiresAt !== undefined) {
    const ms = typeof t.expiresAt === 'string' ? Date.parse(t.expiresAt) : NaN;
    if (!Number.isFinite(ms)) return 'the expiry is not an ISO 8601 instant';
    if (ms <= now) return `the expiry ${t.expiresAt as string} is not in the future`;
  }
  return undefined;
}

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

/** Creates a token; returns it (shown once, never stored) and its record. Refuses a bad or taken name. */
export async function createToken(
  redis: Redis,
  prefix: string,
  t: { name: string; role: Role; expiresAt?: string },
  now: number,
): Promise<{ token: string; record: TokenRecord }> {
  const problem = tokenProblem(t, now);
  if (problem !== undefined) throw new TokenError(`token not created: ${problem}`);
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const digest = tokenDigest(token);
  const record: TokenRecord = { name: t.name, role: t.role, createdAt: new Date(now).toISOString() };
  if (t.expiresAt !== undefined) record.expiresAt = new Date(Date.parse(t.expiresAt)).toISOString();
  const k = tokenKeys(prefix);
  const claimed = await redis.hsetnx(k.byName, t.name, digest);
  if (claimed === 0) throw new TokenError(`token not created: a token named "${t.name}" exists (revoke it first)`);
  await redis.hset(k.byDigest, digest, JSON.stringify({ ...record, digest } satisfies StoredToken));
  return { token, record };
}

function parse(json: string | null): StoredToken | undefined {
  if (json === null) return undefined;
  try {
    const v = JSON.parse(json) as Partial<StoredToken>;
    if (typeof v.name !== 'string' || !isRole(v.role) || typeof v.digest !== 'string' || typeof v.createdAt !== 'string') return undefined;
    return v as StoredToken;
  } catch {
    return undefined;
  }
}

const publicRecord = ({ digest: _digest, ...r }: StoredToken): TokenRecord => r;

export async function listTokens(redis: Redis, prefix: string): Promise<TokenRecord[]> {
  const all = await redis.hvals(tokenKeys(prefix).byDigest);
  return all
    .map(parse)
    .filter((t): t is StoredToken => t !== undefined)
    .map(publicRecord)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Removes a token by name; returns what it was, or undefined when there was none. */
export async function revokeToken(redis: Redis, prefix: string, name: string): Promise<TokenRecord | undefined> {
  const k = tokenKeys(prefix);
  const digest = await redis.hget(k.byName, name);
  if (digest === null) return undefined;
  const stored = parse(await redis.hget(k.byDigest, digest));
  await redis.multi().hdel(k.byName, name).hdel(k.byDigest, digest).exec();
  return stored ? publicRecord(stored) : { name, role: 'viewer', createdAt: '' };
}

export type TokenCheck = { ok: true; record: TokenRecord; digest: string } | { ok: false; why: 'unknown' | 'expired' };

/** Whether `token` is a live token at `now`. Compares digests in constant time. */
export async function verifyToken(redis: Redis, prefix: string, token: string, now: number): Promise<TokenCheck> {
  return verifyDigest(redis, prefix, tokenDigest(token), now);
}

/** The same check for a digest a session keeps (a revoked token ends its sessions). */
export async function verifyDigest(redis: Redis, prefix: string, digest: string, now: number): Promise<TokenCheck> {
  const stored = parse(await redis.hget(tokenKeys(prefix).byDigest, digest));
  if (!stored) return { ok: false, why: 'unknown' };
  const a = Buffer.from(stored.digest, 'hex');
  const b = Buffer.from(digest, 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, why: 'unknown' };
  if (stored.expiresAt !== undefined && Date.parse(stored.expiresAt) <= now) return { ok: false, why: 'expired' };
  return { ok: true, record: publicRecord(stored), digest: stored.digest };
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { isRole, type Role } from './roles';

// Browser sessions: a random id in an HttpOnly, SameSite=Strict cookie; Redis keeps, under
// the id's digest, who it is, the token it came from (a revoked or expired token ends it) and
// the CSRF token the page sends in a header with every change. Redis expires it.

export const SESSION_COOKIE = 'ah_session';
export const CSRF_HEADER = 'x-csrf-token';
/** A session lasts at most this long (and never past its token's expiry). */
export const SESSION_TTL_MS = 8 * 3600 * 1000;

export interface Session {
  name: string;
  role: Role;
  tokenDigest: string;
  csrf: string;
  expiresAt: string;
}

const key = (prefix: string, id: string) => `${prefix}console:session:${createHash('sha256').update(id).digest('hex')}`;

export async function createSession(
  redis: Redis,
  prefix: string,
  who: { name: string; role: Role; tokenDigest: string; tokenExpiresAt?: string },
  now: number,
): Promise<{ id: string; session: Session }> {
  const id = randomBytes(32).toString('base64url');
  const until = Math.min(now + SESSION_TTL_MS, who.tokenExpiresAt === undefined ? Infinity : Date.parse(who.tokenExpiresAt));
  const session: Session = {
    name: who.name,
    role: who.role,
    tokenDigest: who.tokenDigest,
    csrf: randomBytes(24).toString('base64url'),
    expiresAt: new Date(until).toISOString(),
  };
  await redis.set(key(prefix, id), JSON.stringify(session), 'PX', Math.max(1, until - now));
  return { id, session };
}

export async function readSession(redis: Redis, prefix: string, id: string): Promise<Session | undefined> {
  if (id.length === 0 || id.length > 100) return undefined;
  const json = await redis.get(key(prefix, id));
  if (json === null) return undefined;
  try {
    const s = JSON.parse(json) as Partial<Session>;
    if (typeof s.name !== 'string' || !isRole(s.role) || typeof s.csrf !== 'string' || typeof s.tokenDigest !== 'string') return undefined;
    return s as Session;
  } catch {
    return undefined;
  }
}

export async function deleteSession(redis: Redis, prefix: string, id: string): Promise<void> {
  await redis.del(key(prefix, id));
}

/** Constant-time comparison of the CSRF header with the session's token. */
export function csrfMatches(session: Session, header: string | undefined): boolean {
  if (header === undefined) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(header);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

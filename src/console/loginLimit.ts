import type { Redis } from 'ioredis';

// Failed logins are counted per remote address in Redis (shared by every console process):
// after LOGIN_MAX_FAILURES within LOGIN_WINDOW_MS the address is refused until the window,
// which starts at its first failure, is over. A successful login does not reset the count,
// so guessing between one's own logins gains nothing.

export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;

const key = (prefix: string, address: string) => `${prefix}console:login-failures:${address}`;

/** Milliseconds until the address may try again, or 0 when it may now. */
export async function loginBlockedFor(redis: Redis, prefix: string, address: string): Promise<number> {
  const [count, ttl] = await Promise.all([redis.get(key(prefix, address)), redis.pttl(key(prefix, address))]);
  return Number(count ?? 0) >= LOGIN_MAX_FAILURES ? Math.max(ttl, 1000) : 0;
}

export async function recordLoginFailure(redis: Redis, prefix: string, address: string): Promise<void> {
  const k = key(prefix, address);
  await redis.multi().incr(k).pexpire(k, LOGIN_WINDOW_MS, 'NX').exec();
}

import type { Redis } from 'ioredis';
import { runLua } from '../store/luaScripts';

// Failed authentications are counted per remote address in Redis (shared by every console
// process): logins, bearer tokens on the API and ?token= on the calendar feed, on one counter.
// After LOGIN_MAX_FAILURES within LOGIN_WINDOW_MS the address is refused until the window,
// which starts at its first failure, is over. A successful login does not reset the count,
// so guessing between one's own logins gains nothing.
//
// Counting and comparing are one step (src/store/lua/authFailure.lua): a check before
// counting lets every one of many parallel guesses pass it. A login reserves its try before
// the token is looked at and gives it back when the token was good, so no more than
// LOGIN_MAX_FAILURES guesses are ever checked. A bearer or feed token is checked first (an
// API client's parallel requests must not use up the tries) and a failure is counted after;
// once over the limit the answer is 429, not 401, so no more than LOGIN_MAX_FAILURES
// refusals per window tell a guesser "wrong token".

export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;

const key = (prefix: string, address: string) => `${prefix}console:login-failures:${address}`;

/** Milliseconds until the address may try again, or 0 when it may now (read only: for a token request before it is checked). */
export async function loginBlockedFor(redis: Redis, prefix: string, address: string): Promise<number> {
  const [count, ttl] = await Promise.all([redis.get(key(prefix, address)), redis.pttl(key(prefix, address))]);
  return Number(count ?? 0) >= LOGIN_MAX_FAILURES ? Math.max(ttl, 1000) : 0;
}

/** Counts one failure; the milliseconds to wait when the address is now over the limit, else 0. */
export async function recordLoginFailure(redis: Redis, prefix: string, address: string): Promise<number> {
  return Number(await runLua(redis, 'authFailure', [key(prefix, address)], [LOGIN_WINDOW_MS, LOGIN_MAX_FAILURES]));
}

/** Reserves a login try (counted as a failure until given back); the milliseconds to wait when there is none left, else 0. */
export const reserveLoginTry = recordLoginFailure;

/** A reserved try whose token was good: it is not a failure. */
export async function returnLoginTry(redis: Redis, prefix: string, address: string): Promise<void> {
  await runLua(redis, 'authTryReturn', [key(prefix, address)], []);
}

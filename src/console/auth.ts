import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConsoleHttpError } from './httpError';
import { roleAllows, type Actor, type Role } from './roles';
import type { ConsoleContext } from './context';
import { loginBlockedFor, recordLoginFailure } from './loginLimit';
import { cookieValue, CSRF_HEADER, csrfMatches, readSession, SESSION_COOKIE } from './sessions';
import { verifyDigest, verifyToken } from './tokens';
import { urlWithoutSecrets } from '../shared/log';

// Who is asking, checked before a body is read: a bearer token (door `api`), a session cookie
// (door `page`; every change also needs the session's CSRF token in a header) or, only where
// a route allows it, a viewer token in the URL (calendar feeds). A route declares the least
// role it needs in its config; routes without one (the page, the login) are open.

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role the route needs; absent: no authentication. */
    role?: Role;
    /** A `?token=` in the URL is accepted (read-only routes; only a viewer token). */
    tokenInQuery?: boolean;
  }
  interface FastifyRequest {
    actor: Actor | null;
  }
}

const unauthenticated = (message: string) => new ConsoleHttpError('AH_ERR_CONSOLE_UNAUTHENTICATED', message);
const forbidden = (message: string) => new ConsoleHttpError('AH_ERR_CONSOLE_FORBIDDEN', message);
const WHY = { unknown: 'the token is unknown or revoked', expired: 'the token has expired' } as const;

/** 429 for an address with no tries left (failed logins and tokens, counted together). */
export function rateLimited(address: string, waitMs: number): ConsoleHttpError {
  const seconds = Math.ceil(waitMs / 1000);
  return new ConsoleHttpError(
    'AH_ERR_CONSOLE_RATE_LIMITED',
    `too many failed logins or tokens from ${address}; try again in ${seconds} s`,
    { 'retry-after': String(seconds) },
  );
}

/**
 * A bearer or URL token: refused at once when the address has no tries left; a token that does
 * not verify counts as a failed login and is logged (never the token itself).
 */
async function checkToken(ctx: ConsoleContext, req: FastifyRequest, token: string, door: 'bearer' | 'url', now: number) {
  const blocked = await loginBlockedFor(ctx.redis, ctx.prefix, req.ip);
  if (blocked > 0) throw rateLimited(req.ip, blocked);
  const t = await verifyToken(ctx.redis, ctx.prefix, token, now);
  if (t.ok) return t;
  const wait = await recordLoginFailure(ctx.redis, ctx.prefix, req.ip);
  ctx.log.warn({ from: req.ip, door, why: t.why, method: req.method, url: urlWithoutSecrets(req.url) }, 'console: a token was refused');
  if (wait > 0) throw rateLimited(req.ip, wait);
  throw unauthenticated(WHY[t.why]);
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw unauthenticated('the Authorization header is not "Bearer <token>"');
  return m[1];
}

async function authenticate(ctx: ConsoleContext, req: FastifyRequest): Promise<Actor> {
  const now = ctx.now();
  const token = bearer(req);
  if (token !== undefined) {
    const t = await checkToken(ctx, req, token, 'bearer', now);
    return { name: t.record.name, role: t.record.role, door: 'api', from: req.ip };
  }
  const query = req.query as Record<string, unknown> | undefined;
  if (req.routeOptions.config.tokenInQuery && typeof query?.token === 'string') {
    const t = await checkToken(ctx, req, query.token, 'url', now);
    // A URL ends up in logs, browser histories and calendar apps: it may carry only a read-only token.
    if (t.record.role !== 'viewer')
      throw forbidden(
        `only a viewer token may be put in a URL (this one is ${t.record.role}); create one with: after-hours token create --role viewer`,
      );
    return { name: t.record.name, role: t.record.role, door: 'api', from: req.ip };
  }
  const sid = cookieValue(req.headers.cookie, SESSION_COOKIE);
  if (sid === undefined) throw unauthenticated('log in first: send "Authorization: Bearer <token>" or a session cookie');
  const session = await readSession(ctx.redis, ctx.prefix, sid);
  if (!session) throw unauthenticated('the session has expired or was ended; log in again');
  const t = await verifyDigest(ctx.redis, ctx.prefix, session.tokenDigest, now);
  if (!t.ok) throw unauthenticated(`the session's ${WHY[t.why].replace('the ', '')}; log in again`);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const header = req.headers[CSRF_HEADER];
    if (!csrfMatches(session, typeof header === 'string' ? header : undefined))
      throw forbidden(`a change from the page needs the session's ${CSRF_HEADER} header`);
  }
  return { name: t.record.name, role: t.record.role, door: 'page', from: req.ip };
}

export function registerAuth(app: FastifyInstance, ctx: ConsoleContext): void {
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (req) => {
    const need = req.routeOptions.config?.role;
    if (need === undefined) return;
    const actor = await authenticate(ctx, req);
    if (!roleAllows(actor.role, need)) throw forbidden(`this needs the ${need} role; ${actor.name} is ${actor.role}`);
    req.actor = actor;
  });
}

/** The authenticated actor of a route that declared a role. */
export function actorOf(req: FastifyRequest): Actor {
  if (req.actor === null) throw unauthenticated('not authenticated');
  return req.actor;
}

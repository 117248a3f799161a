import type { FastifyInstance, FastifyReply } from 'fastify';
import { actorOf, rateLimited } from '../auth';
import type { ConsoleContext } from '../context';
import { ConsoleHttpError, errorSchema } from '../httpError';
import { reserveLoginTry, returnLoginTry } from '../loginLimit';
import { ROLES } from '../roles';
import { cookieValue, createSession, deleteSession, readSession, SESSION_COOKIE } from '../sessions';
import { verifyToken } from '../tokens';

// The page's login: a token in, a session cookie out (HttpOnly, SameSite=Strict) and the CSRF
// token the page sends back in a header. Failed logins are counted per address.

const sessionSchema = {
  type: 'object',
  required: ['name', 'role'],
  properties: {
    name: { type: 'string' },
    role: { enum: [...ROLES] },
    door: { enum: ['api', 'page'] },
    csrf: { type: 'string', description: 'send it as x-csrf-token with every change made with the cookie' },
    expiresAt: { type: 'string', format: 'date-time' },
  },
} as const;

function setCookie(reply: FastifyReply, ctx: ConsoleContext, value: string, maxAgeSeconds: number): void {
  const attrs = [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`];
  if (ctx.secureCookie) attrs.push('Secure');
  reply.header('set-cookie', attrs.join('; '));
}

/** A login's body is a token of at most 200 characters in JSON: anything much larger is not a login. */
export const LOGIN_BODY_LIMIT = 1024;

export function registerSessionRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.post<{ Body: { token: string } }>(
    '/api/session',
    {
      bodyLimit: LOGIN_BODY_LIMIT,
      schema: {
        summary: 'log in with a token: sets the session cookie and returns the CSRF token',
        tags: ['session'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['token'],
          properties: { token: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: { 200: sessionSchema, 401: errorSchema, 429: errorSchema },
      },
    },
    async (req, reply) => {
      // The try is counted before the token is looked at, and given back if it was good.
      const wait = await reserveLoginTry(ctx.redis, ctx.prefix, req.ip);
      if (wait > 0) throw rateLimited(req.ip, wait);
      const now = ctx.now();
      const t = await verifyToken(ctx.redis, ctx.prefix, req.body.token, now);
      if (t.ok) await returnLoginTry(ctx.redis, ctx.prefix, req.ip);
      else {
        ctx.log.warn({ from: req.ip, door: 'login', why: t.why }, 'console: a login was refused');
        throw new ConsoleHttpError(
          'AH_ERR_CONSOLE_UNAUTHENTICATED',
          t.why === 'expired' ? 'the token has expired' : 'the token is unknown or revoked',
        );
      }
      const { id, session } = await createSession(
        ctx.redis,
        ctx.prefix,
        { name: t.record.name, role: t.record.role, tokenDigest: t.digest, tokenExpiresAt: t.record.expiresAt },
        now,
      );
      setCookie(reply, ctx, id, Math.max(1, Math.floor((Date.parse(session.expiresAt) - now) / 1000)));
      return { name: session.name, role: session.role, door: 'page', csrf: session.csrf, expiresAt: session.expiresAt };
    },
  );

  app.get(
    '/api/session',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'who is logged in (and the CSRF token of a page session)',
        tags: ['session'],
        response: { 200: sessionSchema, 401: errorSchema },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const sid = cookieValue(req.headers.cookie, SESSION_COOKIE);
      const session = actor.door === 'page' && sid !== undefined ? await readSession(ctx.redis, ctx.prefix, sid) : undefined;
      return {
        name: actor.name,
        role: actor.role,
        door: actor.door,
        ...(session ? { csrf: session.csrf, expiresAt: session.expiresAt } : {}),
      };
    },
  );

  app.delete(
    '/api/session',
    {
      config: { role: 'viewer' },
      schema: { summary: 'log out: ends the session', tags: ['session'], response: { 204: { type: 'null' } } },
    },
    async (req, reply) => {
      const sid = cookieValue(req.headers.cookie, SESSION_COOKIE);
      if (sid !== undefined) await deleteSession(ctx.redis, ctx.prefix, sid);
      setCookie(reply, ctx, '', 0);
      return reply.code(204).send();
    },
  );
}

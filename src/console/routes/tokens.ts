import type { FastifyInstance } from 'fastify';
import { actorOf } from '../auth';
import type { ConsoleContext } from '../context';
import { badRequest, ConsoleHttpError, errorSchema, notFound } from '../httpError';
import { ROLES, type Role } from '../roles';
import { createToken, listTokens, MAX_TOKEN_NAME, revokeToken, TokenError, tokenProblem } from '../tokens';

// Tokens (admin): list, create (the token is in the answer, once), revoke. Audited.

const tokenSchema = {
  type: 'object',
  required: ['name', 'role', 'createdAt'],
  properties: {
    name: { type: 'string' },
    role: { enum: [...ROLES] },
    createdAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time' },
  },
} as const;

export function registerTokenRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get(
    '/api/tokens',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'every token (never the token itself)',
        tags: ['tokens'],
        response: { 200: { type: 'array', items: tokenSchema } },
      },
    },
    () => listTokens(ctx.redis, ctx.prefix),
  );

  app.post<{ Body: { name: string; role: Role; expiresAt?: string } }>(
    '/api/tokens',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'create a token; the answer holds it, once',
        tags: ['tokens'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'role'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: MAX_TOKEN_NAME },
            role: { enum: [...ROLES] },
            expiresAt: { type: 'string', format: 'date-time' },
          },
        },
        response: {
          201: {
            type: 'object',
            required: ['token', 'name', 'role'],
            properties: { token: { type: 'string' }, ...tokenSchema.properties },
          },
          400: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const problem = tokenProblem(req.body, ctx.now());
      if (problem !== undefined) throw badRequest(`token not created: ${problem}`);
      try {
        const { token, record } = await createToken(ctx.redis, ctx.prefix, req.body, ctx.now());
        await ctx.audit.record(actor, { action: 'token.create', target: record.name, before: null, after: record });
        return reply.code(201).send({ token, ...record });
      } catch (err) {
        if (err instanceof TokenError) throw new ConsoleHttpError('AH_ERR_CONSOLE_CONFLICT', err.message);
        throw err;
      }
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/api/tokens/:name',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'revoke a token: it and its sessions stop working at once',
        tags: ['tokens'],
        params: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: MAX_TOKEN_NAME } } },
        response: { 204: { type: 'null' }, 404: errorSchema },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const before = await revokeToken(ctx.redis, ctx.prefix, req.params.name);
      if (!before) throw notFound(`no token is named "${req.params.name}"`);
      await ctx.audit.record(actor, { action: 'token.revoke', target: before.name, before, after: null });
      return reply.code(204).send();
    },
  );
}

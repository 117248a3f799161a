import type { FastifyInstance } from 'fastify';
import { clearOverride, listOverrides, overrideProblem, setOverride, type NewOverride } from '../../store/overrideStore';
import { auditWho } from '../audit';
import { actorOf } from '../auth';
import type { ConsoleContext } from '../context';
import { badRequest, errorSchema, notFound } from '../httpError';
import { didParams, numberStateSchema, overrideBody, overrideSchema, scheduledOverrideBody, type OverrideBody } from '../schemas';

// Overrides: list (viewer); set now, schedule, clear (operator). The store writes each change
// and its audit entry in one step (actor = the token's name, door api or page, from = the
// remote address); a refused one stores nothing.

export function registerOverrideRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get(
    '/api/overrides',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'every override not yet expired: in force and scheduled',
        tags: ['overrides'],
        response: { 200: { type: 'array', items: overrideSchema } },
      },
    },
    () => listOverrides(ctx.redis, ctx.prefix, ctx.now()),
  );

  const store = async (did: string, body: OverrideBody, req: Parameters<typeof actorOf>[0]) => {
    const actor = actorOf(req);
    const entry = await ctx.numbers.entry(did);
    const now = ctx.now();
    const o: NewOverride = { did: entry.number.did, state: body.state, setAt: now, by: actor.name };
    if (body.from !== undefined) o.from = Date.parse(body.from);
    if (body.until !== undefined) o.until = Date.parse(body.until);
    if (body.note !== undefined && body.note.trim() !== '') o.note = body.note;
    const problem = overrideProblem(o, now);
    if (problem !== undefined) throw badRequest(`override for ${o.did} not stored: ${problem}`);
    try {
      await setOverride(ctx.redis, ctx.prefix, o, auditWho(actor));
    } catch (err) {
      if (err instanceof RangeError) throw badRequest(err.message);
      throw err;
    }
    return ctx.numbers.state(o.did);
  };

  app.put<{ Params: { did: string }; Body: OverrideBody }>(
    '/api/numbers/:did/override',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'force a number open or closed from now, until a time or until cleared, with a note',
        tags: ['overrides'],
        params: didParams,
        body: overrideBody,
        response: { 200: numberStateSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    (req) => store(req.params.did, { state: req.body.state, until: req.body.until, note: req.body.note }, req),
  );

  app.post<{ Params: { did: string }; Body: OverrideBody }>(
    '/api/numbers/:did/overrides',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'schedule an override: open or closed from a start to an end ("closed Friday 14:00-18:00, staff meeting")',
        tags: ['overrides'],
        params: didParams,
        body: scheduledOverrideBody,
        response: { 200: numberStateSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    (req) => store(req.params.did, req.body, req),
  );

  app.delete<{ Params: { did: string } }>(
    '/api/numbers/:did/override',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'remove every override of a number, scheduled ones too (the schedule decides again)',
        tags: ['overrides'],
        params: didParams,
        response: { 200: numberStateSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const did = (await ctx.numbers.entry(req.params.did)).number.did;
      await clearOverride(ctx.redis, ctx.prefix, did, auditWho(actorOf(req)), { now: ctx.now() });
      return ctx.numbers.state(did);
    },
  );

  app.delete<{ Params: { did: string; id: string } }>(
    '/api/numbers/:did/overrides/:id',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'remove one override (by its id)',
        tags: ['overrides'],
        params: {
          type: 'object',
          required: ['did', 'id'],
          properties: { ...didParams.properties, id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,40}$' } },
        },
        response: { 200: numberStateSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const did = (await ctx.numbers.entry(req.params.did)).number.did;
      const removed = await clearOverride(ctx.redis, ctx.prefix, did, auditWho(actorOf(req)), { ids: [req.params.id], now: ctx.now() });
      if (removed.length === 0) throw notFound(`${did} has no override with the id ${req.params.id}`);
      return ctx.numbers.state(did);
    },
  );
}

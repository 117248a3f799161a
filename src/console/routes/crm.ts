import type { FastifyInstance } from 'fastify';
import { listDead, retryDead } from '../../crm/deadLetters';
import { streamKeys } from '../../store/eventStream';
import { appendAudit } from '../../store/auditLog';
import { auditWho } from '../audit';
import { actorOf } from '../auth';
import type { ConsoleContext } from '../context';
import { errorSchema, notFound } from '../httpError';

// CRM delivery: what the workers have pending, done and waiting, the dead letters, and (admin)
// a retry that puts a dead letter back on the stream.

const deadSchema = {
  type: 'object',
  properties: {
    deadId: { type: 'string' },
    eventId: { type: 'string' },
    event: { type: 'string', description: 'the event JSON as it was on the stream' },
    error: { type: 'string' },
    deliveries: { type: 'integer' },
    sourceId: { type: 'string' },
    failedAt: { type: 'string' },
  },
} as const;

interface GroupInfo {
  pending: number;
  entriesRead: number | null;
  lag: number | null;
}

/** XINFO GROUPS' entry for the workers' group, or undefined before a worker made it. */
async function groupInfo(ctx: ConsoleContext, stream: string, group: string): Promise<GroupInfo | undefined> {
  let reply: unknown[];
  try {
    reply = (await ctx.redis.xinfo('GROUPS', stream)) as unknown[];
  } catch {
    return undefined; // no stream yet
  }
  for (const g of reply as unknown[][]) {
    const f = new Map<string, unknown>();
    for (let i = 0; i + 1 < g.length; i += 2) f.set(String(g[i]), g[i + 1]);
    if (f.get('name') !== group) continue;
    const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    return { pending: Number(f.get('pending') ?? 0), entriesRead: num(f.get('entries-read')), lag: num(f.get('lag')) };
  }
  return undefined;
}

export function registerCrmRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get(
    '/api/crm',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'CRM delivery: events on the stream, done, pending (being worked on or retried), waiting, and the dead letters',
        tags: ['crm'],
        response: {
          200: {
            type: 'object',
            required: ['events', 'done', 'pending', 'waiting', 'deadLetters'],
            properties: {
              events: { type: 'integer', description: 'events on the stream' },
              done: { type: 'integer', description: 'delivered to a worker and acknowledged' },
              pending: { type: 'integer', description: 'delivered, not yet acknowledged (in work, or waiting for a retry)' },
              waiting: { type: ['integer', 'null'], description: 'not yet delivered to any worker' },
              deadLetters: { type: 'array', items: deadSchema },
            },
          },
        },
      },
    },
    async () => {
      const keys = streamKeys(ctx.prefix);
      const [events, group, dead] = await Promise.all([
        ctx.redis.xlen(keys.stream),
        groupInfo(ctx, keys.stream, keys.group),
        listDead(ctx.redis, keys),
      ]);
      const pending = group?.pending ?? 0;
      const read = group?.entriesRead ?? 0;
      return { events, done: Math.max(0, read - pending - dead.length), pending, waiting: group ? group.lag : events, deadLetters: dead };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/crm/dead/:id/retry',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'put a dead letter back on the stream (by its dead-letter id or event id)',
        tags: ['crm'],
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } },
        response: { 200: { type: 'object', required: ['entryId'], properties: { entryId: { type: 'string' } } }, 404: errorSchema },
      },
    },
    async (req) => {
      const keys = streamKeys(ctx.prefix);
      const before = (await listDead(ctx.redis, keys, 100_000)).find((d) => d.deadId === req.params.id || d.eventId === req.params.id);
      const entryId = before ? await retryDead(ctx.redis, keys, before.deadId) : null;
      if (!before || entryId === null) throw notFound(`no dead letter has the id ${req.params.id}`);
      await appendAudit(ctx.redis, ctx.prefix, {
        ...auditWho(actorOf(req)),
        action: 'deadletter.retry',
        target: before.eventId || before.deadId,
        before: { deadId: before.deadId, error: before.error, deliveries: before.deliveries },
        after: { entryId },
      });
      return { entryId };
    },
  );
}

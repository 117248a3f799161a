import type { FastifyInstance } from 'fastify';
import { fieldMap } from '../../crm/deadLetters';
import { FIELD_EVENT, streamKeys } from '../../store/eventStream';
import type { ConsoleContext } from '../context';

// GET /api/calls: the most recent after-hours calls, from the event stream (newest first).

export function registerCallRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get<{ Querystring: { limit?: number } }>(
    '/api/calls',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'recent after-hours calls: the events on the stream, newest first',
        tags: ['calls'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
        },
        response: {
          200: {
            type: 'array',
            items: { $ref: '#/components/schemas/CallEvent' },
            description: 'each one an event (config/schema/event.schema.json)',
          },
        },
      },
    },
    async (req) => {
      const entries = await ctx.redis.xrevrange(streamKeys(ctx.prefix).stream, '+', '-', 'COUNT', req.query.limit ?? 50);
      return entries.flatMap(([, fields]) => {
        try {
          return [JSON.parse(fieldMap(fields).get(FIELD_EVENT) ?? '') as unknown];
        } catch {
          return [];
        }
      });
    },
  );
}

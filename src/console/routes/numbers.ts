import type { FastifyInstance } from 'fastify';
import type { ConsoleContext } from '../context';
import { errorSchema } from '../httpError';
import { didParams, numberStateSchema } from '../schemas';

// GET /api/numbers: the board. GET /api/numbers/{did}: one number.

export function registerNumberRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get(
    '/api/numbers',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'every number: open or closed now, why, what a call gets, the next change, its override',
        tags: ['numbers'],
        response: {
          200: {
            type: 'object',
            required: ['configVersion', 'numbers'],
            properties: {
              configVersion: {
                type: ['integer', 'string', 'null'],
                description: 'the pushed version, `file` for the start-up file, null when none',
              },
              numbers: { type: 'array', items: numberStateSchema },
            },
          },
        },
      },
    },
    () => ctx.numbers.states(),
  );
  app.get<{ Params: { did: string } }>(
    '/api/numbers/:did',
    {
      config: { role: 'viewer' },
      schema: { summary: 'one number now', tags: ['numbers'], params: didParams, response: { 200: numberStateSchema, 404: errorSchema } },
    },
    (req) => ctx.numbers.state(req.params.did),
  );
}

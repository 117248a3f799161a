import type { FastifyInstance } from 'fastify';
import { IANAZone } from 'luxon';
import { DEFAULT_FEED_WEEKS, feedWindow, hoursIcs, MAX_FEED_WEEKS } from '../../export/hoursIcs';
import { openIntervals } from '../../schedule/openIntervals';
import type { ConsoleContext } from '../context';
import { badRequest, errorSchema } from '../httpError';
import { didParams } from '../schemas';

// A number's open hours ahead: the week view (7 days in the number's zone and the viewer's)
// and the iCalendar feed calendar apps subscribe to (a viewer token may be in its URL).

export function registerWeekRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get<{ Params: { did: string }; Querystring: { zone?: string } }>(
    '/api/numbers/:did/week',
    {
      config: { role: 'viewer' },
      schema: {
        summary: "open intervals for the next 7 days, from the start of today in the number's zone and in the viewer's zone",
        tags: ['numbers'],
        params: didParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { zone: { type: 'string', maxLength: 64, description: "the viewer's IANA zone (default: the number's)" } },
        },
        response: {
          200: {
            type: 'object',
            required: ['did', 'timezone', 'viewerZone', 'from', 'to', 'intervals'],
            properties: {
              did: { type: 'string' },
              name: { type: 'string' },
              timezone: { type: 'string' },
              viewerZone: { type: 'string' },
              from: { type: 'string', format: 'date-time' },
              to: { type: 'string', format: 'date-time' },
              intervals: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['start', 'end'],
                  properties: { start: { type: 'string', format: 'date-time' }, end: { type: 'string', format: 'date-time' } },
                },
              },
            },
          },
          400: errorSchema,
          404: errorSchema,
        },
      },
    },
    async (req) => {
      const entry = await ctx.numbers.entry(req.params.did);
      const zone = req.query.zone ?? entry.number.timezone;
      if (!IANAZone.isValidZone(zone)) throw badRequest(`zone "${zone}" is not an IANA time zone (e.g. Europe/Warsaw)`);
      const now = ctx.now();
      const a = feedWindow(entry.number.timezone, now, 1);
      const b = feedWindow(zone, now, 1);
      const from = Math.min(a.from, b.from);
      const to = Math.max(a.to, b.to);
      const overrides = (await ctx.numbers.overrides()).get(entry.number.did) ?? [];
      const iso = (ms: number) => new Date(ms).toISOString();
      return {
        did: entry.number.did,
        name: entry.number.name,
        timezone: entry.number.timezone,
        viewerZone: zone,
        from: iso(from),
        to: iso(to),
        intervals: openIntervals(entry.schedule, overrides, from, to).map((i) => ({ start: iso(i.start), end: iso(i.end) })),
      };
    },
  );

  app.get<{ Params: { did: string }; Querystring: { token?: string; weeks?: number } }>(
    '/numbers/:did/hours.ics',
    {
      config: { role: 'viewer', tokenInQuery: true },
      schema: {
        summary:
          'the open hours of the coming weeks as an iCalendar feed (holidays and overrides applied); subscribe with ?token=<viewer token>',
        tags: ['numbers'],
        params: didParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            token: { type: 'string', maxLength: 200, description: 'a viewer token (a URL may carry no other)' },
            weeks: { type: 'integer', minimum: 1, maximum: MAX_FEED_WEEKS, default: DEFAULT_FEED_WEEKS },
          },
        },
        response: { 200: { type: 'string', description: 'text/calendar' }, 404: errorSchema },
      },
    },
    async (req, reply) => {
      const entry = await ctx.numbers.entry(req.params.did);
      const overrides = (await ctx.numbers.overrides()).get(entry.number.did) ?? [];
      const feed = hoursIcs(entry, overrides, { now: ctx.now(), weeks: req.query.weeks });
      return reply
        .type('text/calendar; charset=utf-8')
        .header('content-disposition', `inline; filename="hours-${entry.number.did.replace(/\D/g, '')}.ics"`)
        .header('cache-control', 'private, max-age=300')
        .send(feed.ics);
    },
  );
}

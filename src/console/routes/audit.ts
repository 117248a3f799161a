import type { FastifyInstance } from 'fastify';
import { AUDIT_ACTIONS, AUDIT_DOORS, listAudit, MAX_AUDIT_LIMIT, type AuditDoor } from '../../store/auditLog';
import type { ConsoleContext } from '../context';
import { badRequest, errorSchema } from '../httpError';

// GET /api/audit: the audit trail, newest first, filtered; `next` pages on.

const entrySchema = {
  type: 'object',
  required: ['id', 'at', 'actor', 'door', 'from', 'action', 'target'],
  properties: {
    id: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    actor: { type: 'string' },
    door: { enum: [...AUDIT_DOORS] },
    from: { type: 'string' },
    action: { enum: [...AUDIT_ACTIONS] },
    target: { type: 'string' },
    before: {},
    after: {},
    note: { type: 'string' },
  },
} as const;

interface AuditQuery {
  actor?: string;
  target?: string;
  action?: string;
  door?: AuditDoor;
  since?: string;
  until?: string;
  limit?: number;
  before?: string;
}

function instant(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) throw badRequest(`${name} is not an ISO 8601 date-time: "${v}"`);
  return ms;
}

export function registerAuditRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get<{ Querystring: AuditQuery }>(
    '/api/audit',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'the audit trail: who changed what, when, from where, before and after; newest first',
        tags: ['audit'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            actor: { type: 'string', maxLength: 100 },
            target: { type: 'string', maxLength: 200, description: 'a DID (E.164), a token name, `config`' },
            action: { type: 'string', maxLength: 40, description: 'one action (override.set) or a kind with its dot (override.)' },
            door: { enum: [...AUDIT_DOORS] },
            since: { type: 'string', format: 'date-time' },
            until: { type: 'string', format: 'date-time' },
            limit: { type: 'integer', minimum: 1, maximum: MAX_AUDIT_LIMIT },
            before: { type: 'string', pattern: '^\\d{1,20}-\\d{1,20}$', description: 'the `next` of the previous page' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['entries'],
            properties: { entries: { type: 'array', items: entrySchema }, next: { type: 'string' } },
          },
          400: errorSchema,
        },
      },
    },
    async (req) => {
      const q = req.query;
      try {
        return await listAudit(ctx.redis, ctx.prefix, {
          actor: q.actor,
          target: q.target,
          action: q.action,
          door: q.door,
          since: instant('since', q.since),
          until: instant('until', q.until),
          limit: q.limit,
          before: q.before,
        });
      } catch (err) {
        if (err instanceof RangeError) throw badRequest(err.message);
        throw err;
      }
    },
  );
}

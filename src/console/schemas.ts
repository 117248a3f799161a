import { MAX_NOTE_LENGTH } from '../store/overrideStore';

// JSON Schemas of the console's bodies and answers. Fastify validates requests with them and
// openapi.ts publishes them; answers are documented, not filtered (the serializer is JSON.stringify).

export const didParams = {
  type: 'object',
  required: ['did'],
  properties: {
    did: { type: 'string', minLength: 1, maxLength: 40, description: 'the DID, E.164 (+48221234567) or as written in the configuration' },
  },
} as const;

export const overrideSchema = {
  type: 'object',
  required: ['did', 'id', 'state', 'setAt'],
  properties: {
    did: { type: 'string' },
    id: { type: 'string', description: 'unique among the number overrides' },
    state: { enum: ['open', 'closed'] },
    from: { type: 'integer', description: 'start, ms since the epoch; absent: since it was set' },
    until: { type: 'integer', description: 'expiry, ms since the epoch; absent: until cleared' },
    note: { type: 'string' },
    setAt: { type: 'number' },
    by: { type: 'string', description: 'who set it' },
  },
} as const;

export const numberStateSchema = {
  type: 'object',
  required: ['did', 'name', 'timezone', 'open', 'reason', 'action', 'nextChange', 'override', 'overrides'],
  properties: {
    did: { type: 'string' },
    name: { type: 'string' },
    timezone: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    localTime: { type: 'string' },
    open: { type: 'boolean' },
    reason: { enum: ['override', 'working-hours', 'holiday', 'day-off', 'outside-hours'] },
    action: { type: 'string', description: '`continue` when open, else the after-hours action a call gets' },
    holiday: { type: 'object', properties: { rule: { type: 'integer' }, name: { type: 'string' } } },
    policy: { enum: ['holiday', 'days-off'] },
    nextChange: { type: ['string', 'null'], description: 'the next open/closed flip within 366 days, ISO with the number offset' },
    override: { anyOf: [overrideSchema, { type: 'null' }], description: 'the override in force now' },
    overrides: { type: 'array', items: overrideSchema, description: 'every override not yet expired, in force and scheduled, by start' },
  },
} as const;

export const overrideBody = {
  type: 'object',
  additionalProperties: false,
  required: ['state'],
  properties: {
    state: { enum: ['open', 'closed'] },
    until: { type: 'string', format: 'date-time', description: 'expiry, in the future and at most 366 days ahead; absent: until cleared' },
    note: { type: 'string', maxLength: MAX_NOTE_LENGTH },
  },
} as const;

export const scheduledOverrideBody = {
  type: 'object',
  additionalProperties: false,
  required: ['state', 'from', 'until'],
  properties: {
    state: overrideBody.properties.state,
    from: { type: 'string', format: 'date-time', description: 'start, at most 366 days ahead' },
    until: { type: 'string', format: 'date-time', description: 'end, after the start and at most 366 days ahead' },
    note: overrideBody.properties.note,
  },
} as const;

export interface OverrideBody {
  state: 'open' | 'closed';
  from?: string;
  until?: string;
  note?: string;
}

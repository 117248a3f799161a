import type { FastifyInstance, RouteOptions } from 'fastify';
import { readShippedSchema } from '../shared/jsonSchema';
import { packageVersion } from '../shared/paths';
import { errorSchema } from './httpError';

// The console's OpenAPI 3.1 document, built from the routes' own JSON Schemas (what fastify
// validates against), so the published contract cannot drift from the code.

declare module 'fastify' {
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: string[];
    /** Not in the document (the page's files, the document itself). */
    hide?: boolean;
    /** A body fastify does not parse (an uploaded file): its media types, for the document only. */
    rawBody?: { types: string[]; description: string };
  }
}

interface Operation {
  method: string;
  url: string;
  schema: Record<string, unknown>;
  role?: string;
  tokenInQuery?: boolean;
}

type Schema = Record<string, unknown> & { properties?: Record<string, unknown>; required?: readonly string[] };

function parameters(where: 'path' | 'query', schema: Schema | undefined): unknown[] {
  if (!schema?.properties) return [];
  return Object.entries(schema.properties).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (schema.required ?? []).includes(name),
    schema: s,
  }));
}

/** Call before the routes are registered; returns the document once they are. */
export function collectOpenApi(app: FastifyInstance): () => Record<string, unknown> {
  const ops: Operation[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.schema === undefined || route.schema.hide) return;
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      ops.push({
        method: method.toLowerCase(),
        url: route.url,
        schema: route.schema as Record<string, unknown>,
        role: route.config?.role,
        tokenInQuery: route.config?.tokenInQuery,
      });
    }
  });
  return () => {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const op of ops) {
      const path = op.url.replace(/:([A-Za-z]+)/g, '{$1}');
      const s = op.schema as {
        summary?: string;
        tags?: string[];
        params?: Schema;
        querystring?: Schema;
        body?: Schema;
        rawBody?: { types: string[]; description: string };
        response?: Record<string, Schema>;
      };
      const responses: Record<string, unknown> = {};
      for (const [status, body] of Object.entries(s.response ?? {}))
        responses[status] =
          body.type === 'null'
            ? { description: 'no content' }
            : {
                description: status.startsWith('2') ? 'done' : 'refused',
                content: { [typeof body.contentMediaType === 'string' ? body.contentMediaType : 'application/json']: { schema: body } },
              };
      if (op.role !== undefined) {
        responses['401'] ??= { description: 'no valid token or session', content: { 'application/json': { schema: errorSchema } } };
        responses['403'] ??= { description: `needs the ${op.role} role`, content: { 'application/json': { schema: errorSchema } } };
      }
      const security = op.role === undefined ? [] : [{ bearer: [] }, { session: [] }, ...(op.tokenInQuery ? [{ queryToken: [] }] : [])];
      (paths[path] ??= {})[op.method] = {
        summary: s.summary,
        tags: s.tags,
        ...(op.role !== undefined ? { description: `Needs the ${op.role} role (viewer < operator < admin).` } : {}),
        parameters: [...parameters('path', s.params), ...parameters('query', s.querystring)],
        ...(s.body ? { requestBody: { required: true, content: { 'application/json': { schema: s.body } } } } : {}),
        ...(s.rawBody
          ? {
              requestBody: {
                required: true,
                description: s.rawBody.description,
                content: Object.fromEntries(s.rawBody.types.map((t) => [t, { schema: { type: 'string', contentMediaType: t } }])),
              },
            }
          : {}),
        responses,
        security,
      };
    }
    return {
      openapi: '3.1.0',
      info: { title: 'after-hours operator console', version: packageVersion() },
      components: {
        schemas: { Error: errorSchema, CallEvent: readShippedSchema('event.schema.json') },
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'a token from `after-hours token create`' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'ah_session',
            description: 'the page session (POST /api/session); changes also need x-csrf-token',
          },
          queryToken: { type: 'apiKey', in: 'query', name: 'token', description: 'a viewer token, for calendar feeds' },
        },
      },
      paths,
    };
  };
}

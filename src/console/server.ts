import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { registerAuth } from './auth';
import type { ConsoleContext, ConsoleTimeouts } from './context';
import { ConsoleHttpError } from './httpError';
import { collectOpenApi } from './openapi';
import { registerPage } from './page';
import { registerAuditRoutes } from './routes/audit';
import { registerCallRoutes } from './routes/calls';
import { registerConfigRoutes } from './routes/config';
import { registerCrmRoutes } from './routes/crm';
import { registerNumberRoutes } from './routes/numbers';
import { registerOverrideRoutes } from './routes/overrides';
import { registerSessionRoutes } from './routes/session';
import { registerSoundRoutes } from './routes/sounds';
import { registerTokenRoutes } from './routes/tokens';
import { registerWeekRoutes } from './routes/week';
import { urlWithoutSecrets } from '../shared/log';

// The console's HTTP server: the JSON API under /api/, its OpenAPI document, and the page.
// It runs in its own process (`after-hours console`), never in the call path.

const BODY_LIMIT = 8 * 1024 * 1024; // a pushed configuration's YAML text

export const CONSOLE_TIMEOUTS: ConsoleTimeouts = { idleMs: 30_000, headersMs: 10_000, requestMs: 300_000, keepAliveMs: 5_000 };

export async function buildConsole(ctx: ConsoleContext): Promise<FastifyInstance> {
  const t = { ...CONSOLE_TIMEOUTS, ...ctx.timeouts };
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    connectionTimeout: t.idleMs,
    requestTimeout: t.requestMs,
    keepAliveTimeout: t.keepAliveMs,
    // Node checks the request and headers time-outs on this beat (30 s by default), and only
    // with headers' time-out no longer than the request's (it is refused or ignored otherwise).
    http: {
      requestTimeout: t.requestMs,
      headersTimeout: Math.min(t.headersMs, t.requestMs),
      connectionsCheckingInterval: Math.max(50, Math.min(1000, t.headersMs / 4, t.requestMs / 4)),
    },
    trustProxy: ctx.trustedProxies !== undefined && ctx.trustedProxies.length > 0 ? ctx.trustedProxies : false,
    // Refuse what is not in a schema rather than drop it; no type coercion of bodies.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });
  // Answers are written as they are: the response schemas document them (openapi.json).
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler((err: FastifyError | ConsoleHttpError, req, reply) => {
    if (err instanceof ConsoleHttpError) {
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      return reply.code(err.statusCode).send({ error: err.message, code: err.code, ...(err.problems ? { problems: err.problems } : {}) });
    }
    if (err.validation) {
      const first = err.validation[0];
      const allowed = (first?.params as { allowedValues?: unknown[] } | undefined)?.allowedValues;
      const message = `${err.message}${allowed ? ` (${allowed.join(', ')})` : ''}`;
      return reply.code(400).send({ error: message, code: 'AH_ERR_CONSOLE_BAD_REQUEST' });
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)
      return reply.code(err.statusCode).send({ error: err.message, code: 'AH_ERR_CONSOLE_BAD_REQUEST' });
    if (ctx.redis.status !== 'ready') {
      ctx.log.warn({ err, method: req.method, url: urlWithoutSecrets(req.url) }, 'console request failed: Redis is not reachable');
      return reply.code(503).send({ error: 'Redis is not reachable now; try again shortly', code: 'AH_ERR_CONSOLE_UNAVAILABLE' });
    }
    ctx.log.error({ err, method: req.method, url: urlWithoutSecrets(req.url) }, 'console request failed');
    return reply.code(500).send({ error: 'internal error (logged)', code: 'internal' });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: `no such path: ${req.method} ${req.url.split('?')[0]}`, code: 'AH_ERR_CONSOLE_NOT_FOUND' }),
  );
  const openapi = collectOpenApi(app);
  registerAuth(app, ctx);
  registerSessionRoutes(app, ctx);
  registerNumberRoutes(app, ctx);
  registerOverrideRoutes(app, ctx);
  registerWeekRoutes(app, ctx);
  registerTokenRoutes(app, ctx);
  registerConfigRoutes(app, ctx);
  registerAuditRoutes(app, ctx);
  registerCallRoutes(app, ctx);
  registerCrmRoutes(app, ctx);
  registerSoundRoutes(app, ctx);
  registerPage(app);
  app.get('/openapi.json', { schema: { hide: true } }, () => openapi());
  // For a service manager or a container: 200 while Redis answers, else 503.
  app.get('/healthz', { schema: { hide: true } }, async (_req, reply) => {
    const redis = await ctx.redis.ping().then(
      () => 'ready',
      (err: Error) => err.message,
    );
    return reply.code(redis === 'ready' ? 200 : 503).send({ status: redis === 'ready' ? 'ok' : 'unavailable', redis });
  });
  const metrics = ctx.metrics;
  if (metrics) {
    app.addHook('onResponse', async (req, reply) => metrics.request(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode));
    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    );
  }
  await app.ready();
  return app;
}

import type { FastifyInstance } from 'fastify';
import { formatConfigError, type ConfigError } from '../../config/errors';
import { MAX_ICS_BYTES } from '../../config/boundedRead';
import { folderScope } from '../../config/fileScope';
import { loadConfigText } from '../../config/load';
import { rollbackConfig } from '../../store/configRollback';
import { pushConfig } from '../../store/configStore';
import { ConfigVersionMissingError, diffStoredVersions, getVersion, listVersions, MAX_PUSH_NOTE_LENGTH } from '../../store/configVersions';
import { auditWho } from '../audit';
import { actorOf } from '../auth';
import type { ConsoleContext } from '../context';
import { ConsoleHttpError, errorSchema, notFound } from '../httpError';

// Configuration versions (admin): list, one version's text, the diff between two, push a new
// YAML text, roll back to a kept version. Push and rollback validate like `push` does; a
// refused text changes nothing and the answer lists every problem as FILE:LINE:COL.

const versionMeta = {
  type: 'object',
  required: ['version', 'author', 'door', 'at', 'file', 'sha256', 'numbers'],
  properties: {
    version: { type: 'integer' },
    author: { type: 'string' },
    door: { enum: ['cli', 'api', 'page', 'phone'] },
    from: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    note: { type: 'string' },
    file: { type: 'string' },
    sha256: { type: 'string' },
    bytes: { type: 'integer' },
    numbers: { type: 'integer' },
    rollbackOf: { type: 'integer' },
  },
} as const;

const refusedConfig = {
  type: 'object',
  required: ['error', 'code'],
  properties: { error: { type: 'string' }, code: { type: 'string' }, problems: { type: 'array', items: { type: 'string' } } },
} as const;

const versionParam = { type: 'integer', minimum: 1 } as const;
const pushedSchema = {
  type: 'object',
  required: ['version', 'numbers'],
  properties: { version: { type: 'integer' }, numbers: { type: 'integer' } },
} as const;

function refused(what: string, errors: ConfigError[]): ConsoleHttpError {
  const message = `${what}: the configuration is refused (${errors.length} problem${errors.length === 1 ? '' : 's'}), nothing changed`;
  return new ConsoleHttpError('AH_ERR_CONSOLE_BAD_REQUEST', message, {}, errors.map(formatConfigError));
}

export function registerConfigRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get(
    '/api/config/versions',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'the kept configuration versions, newest first',
        tags: ['config'],
        response: { 200: { type: 'array', items: versionMeta } },
      },
    },
    () => listVersions(ctx.redis, ctx.prefix),
  );

  app.get<{ Params: { version: number } }>(
    '/api/config/versions/:version',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'one kept version with its YAML text and the iCalendar texts it included',
        tags: ['config'],
        params: { type: 'object', required: ['version'], properties: { version: versionParam } },
        response: {
          200: {
            type: 'object',
            properties: {
              ...versionMeta.properties,
              yaml: { type: 'string' },
              ics: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, text: { type: 'string' } } } },
            },
          },
          404: errorSchema,
        },
      },
    },
    async (req) => {
      const v = await getVersion(ctx.redis, ctx.prefix, req.params.version);
      if (!v) throw notFound(`configuration version ${req.params.version} is not kept`);
      return v;
    },
  );

  app.get<{ Querystring: { from: number; to: number } }>(
    '/api/config/diff',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'a unified diff between two kept versions (the YAML, then each iCalendar file that differs)',
        tags: ['config'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['from', 'to'],
          properties: { from: versionParam, to: versionParam },
        },
        response: {
          200: {
            type: 'object',
            required: ['from', 'to', 'diff'],
            properties: { from: { type: 'integer' }, to: { type: 'integer' }, diff: { type: 'string' } },
          },
          404: errorSchema,
        },
      },
    },
    async (req) => {
      try {
        return {
          from: req.query.from,
          to: req.query.to,
          diff: await diffStoredVersions(ctx.redis, ctx.prefix, req.query.from, req.query.to),
        };
      } catch (err) {
        if (err instanceof ConfigVersionMissingError) throw notFound(err.message);
        throw err;
      }
    },
  );

  app.post<{ Body: { yaml: string; file?: string; note?: string; ics?: Record<string, string> } }>(
    '/api/config',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'push a YAML configuration as a new version (validated like `push`; every daemon switches within a second)',
        description:
          "It reads no file of the console's host but those under the console's folder (CONSOLE_CONFIG_DIR, default the folder of its --config): relative paths resolve against `file`'s folder inside it, anything outside is refused. Greetings are sound:NAME (stored sounds); an iCalendar file may be sent with the push in `ics`.",
        tags: ['config'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['yaml'],
          properties: {
            yaml: { type: 'string', minLength: 1 },
            file: { type: 'string', minLength: 1, maxLength: 500, description: 'the name it is pushed under (default console.yaml)' },
            note: { type: 'string', maxLength: MAX_PUSH_NOTE_LENGTH },
            ics: {
              type: 'object',
              maxProperties: 64,
              description: 'iCalendar texts by the path the YAML names them with: used instead of reading those files',
              additionalProperties: { type: 'string', maxLength: MAX_ICS_BYTES },
            },
          },
        },
        response: { 200: pushedSchema, 400: refusedConfig },
      },
    },
    async (req) => {
      const file = req.body.file ?? 'console.yaml';
      const now = new Date(ctx.now());
      const loaded = loadConfigText(file, req.body.yaml, {
        now: now.getTime(),
        files: folderScope(ctx.configDir),
        ...(req.body.ics ? { sentIcs: req.body.ics } : {}),
      });
      if (!loaded.ok) throw refused('push', loaded.errors);
      const source = {
        file,
        yaml: req.body.yaml,
        who: auditWho(actorOf(req)),
        ...(ctx.versionsKeep !== undefined ? { keep: ctx.versionsKeep } : {}),
        ...(req.body.note ? { note: req.body.note } : {}),
      };
      const version = await pushConfig(ctx.redis, ctx.prefix, loaded.config, now, source);
      return { version, numbers: loaded.config.numbers.length };
    },
  );

  app.post<{ Body: { version: number; note?: string } }>(
    '/api/config/rollback',
    {
      config: { role: 'admin' },
      schema: {
        summary: "re-push a kept version's text as a new version",
        tags: ['config'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['version'],
          properties: { version: versionParam, note: { type: 'string', maxLength: MAX_PUSH_NOTE_LENGTH } },
        },
        response: { 200: pushedSchema, 400: refusedConfig, 404: errorSchema },
      },
    },
    async (req) => {
      try {
        const r = await rollbackConfig(ctx.redis, ctx.prefix, req.body.version, auditWho(actorOf(req)), {
          now: new Date(ctx.now()),
          ...(ctx.versionsKeep !== undefined ? { keep: ctx.versionsKeep } : {}),
          ...(req.body.note ? { note: req.body.note } : {}),
        });
        if (!r.ok) throw refused(`rollback to version ${req.body.version}`, r.errors);
        return { version: r.version, numbers: r.numbers };
      } catch (err) {
        if (err instanceof ConfigVersionMissingError) throw notFound(err.message);
        throw err;
      }
    },
  );
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { ACCEPTED_FORMATS, DECODE_BOUNDS } from '../../sounds/soundDecoder';
import { SOUND_LIMITS } from '../../sounds/soundPcm';
import { soundNameProblem } from '../../sounds/soundRefs';
import { convertUpload } from '../../sounds/soundUpload';
import { removeSound } from '../../store/soundRemoval';
import { addSound, describeSound, listSounds, readSound, soundKeys, SoundStoreError } from '../../store/soundStore';
import { actorOf } from '../auth';
import type { ConsoleContext } from '../context';
import { badRequest, ConsoleHttpError, errorSchema, notFound } from '../httpError';
import { receiveBody } from '../uploadBody';

// Own recordings (sound:NAME in the configuration): list and play (viewer); upload, replace and
// remove (admin: a replaced or removed sound changes what callers hear at once, like a push).
// An upload is the raw request body, written to a private temp file within the upload limit,
// converted like `after-hours sound add`, stored and audited; a refused one stores nothing and
// is not audited. A refusal sent before the body is read closes the connection, so the rest of
// a large body is never read.

const nameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 63, description: 'a-z, 0-9, - and _ (sound:NAME in the configuration)' } },
} as const;

const soundSchema = {
  type: 'object',
  required: ['name', 'durationMs', 'bytes', 'addedAt', 'source'],
  properties: {
    name: { type: 'string' },
    hash: { type: 'string', description: 'the first 32 hex digits of the WAV’s SHA-256' },
    durationMs: { type: 'integer', description: 'length after trimming' },
    bytes: { type: 'integer', description: 'the stored 8 kHz WAV' },
    bytes16: { type: 'integer', description: 'the stored 16 kHz copy (0: none)' },
    addedAt: { type: 'string', format: 'date-time' },
    source: { type: 'string', description: 'the uploaded file’s name' },
    sourceBytes: { type: 'integer' },
  },
} as const;

const tooLarge = (bytes: number, limit: number) =>
  new ConsoleHttpError(
    'AH_ERR_CONSOLE_TOO_LARGE',
    `the upload is ${bytes > limit ? 'over' : 'at'} ${limit} bytes; a recording may be at most ${limit} bytes (${Math.round(limit / 1024 / 1024)} MiB); nothing stored`,
  );
const conflict = (message: string) => new ConsoleHttpError('AH_ERR_CONSOLE_CONFLICT', message);

function checkedName(name: string): string {
  const problem = soundNameProblem(name);
  if (problem !== undefined) throw badRequest(`${problem}; nothing stored`);
  return name;
}

/** The uploaded file's own name, without a folder, for the list (the page sends it as ?file=). */
function sourceName(file: string | undefined, name: string): string {
  const base = (file ?? '').split(/[\\/]/).pop()?.trim() ?? '';
  return (base === '' ? name : base).slice(0, 200);
}

function storeRefusal(err: unknown): unknown {
  if (!(err instanceof SoundStoreError)) return err;
  if (err.reason === 'missing') return notFound(err.message);
  return conflict(err.message.replace('give --replace', 'send ?replace=1'));
}

export function registerSoundRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const limit = ctx.soundUploadBytes ?? SOUND_LIMITS.maxUploadBytes;

  app.get(
    '/api/sounds',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'the stored sounds: name, length, size, when added, the uploaded file',
        tags: ['sounds'],
        response: { 200: { type: 'array', items: soundSchema } },
      },
    },
    () =>
      listSounds(ctx.redis, ctx.prefix, (name) =>
        ctx.log.warn({ sound: name }, 'a stored sound cannot be read; skipped (remove it with: after-hours sound remove)'),
      ),
  );

  app.get<{ Params: { name: string } }>(
    '/api/sounds/:name.wav',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'a stored sound as it is played: 8 kHz mono 16-bit WAV',
        tags: ['sounds'],
        params: nameParams,
        response: { 200: { type: 'string', contentMediaType: 'audio/wav' }, 404: errorSchema },
      },
    },
    async (req, reply) => {
      const held = await readSound(ctx.redis, ctx.prefix, req.params.name);
      if (!held) throw notFound(`no sound named "${req.params.name}" is stored`);
      return reply.type('audio/wav').header('cache-control', 'private, no-cache').header('etag', `"${held.sound.hash}"`).send(held.wav);
    },
  );

  // The raw-body parser belongs to the upload alone: every other route still takes only JSON.
  void app.register(async (scope) => {
    for (const type of ['application/octet-stream', /^audio\/[\w.+-]+/])
      scope.addContentTypeParser(type, (_req, payload, done) => done(null, payload));
    // A refusal before the body is read (401, 403, 409, 413...) closes the connection, so Node does
    // not read the rest of the body to keep it alive.
    scope.addHook('onSend', async (req, reply) => {
      if (!req.raw.complete) reply.header('connection', 'close');
    });

    scope.post<{ Params: { name: string }; Querystring: { replace?: '0' | '1'; file?: string } }>(
      '/api/sounds/:name',
      {
        config: { role: 'admin' },
        schema: {
          summary: `upload a recording (${ACCEPTED_FORMATS}; any rate and channels) as the raw body: converted to 8 kHz mono WAV, trimmed, normalised, stored`,
          tags: ['sounds'],
          rawBody: {
            types: ['audio/*', 'application/octet-stream'],
            description: `the recording itself, at most ${limit} bytes and ${SOUND_LIMITS.maxSeconds} s`,
          },
          params: nameParams,
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              replace: { enum: ['0', '1'], description: '1: replace a stored sound of that name' },
              file: { type: 'string', maxLength: 255, description: 'the uploaded file’s name, for the list' },
            },
          },
          response: {
            201: soundSchema,
            200: soundSchema,
            400: errorSchema,
            409: errorSchema,
            413: errorSchema,
          },
        },
      },
      (req, reply) => upload(req, reply),
    );
  });

  async function upload(
    req: FastifyRequest<{ Params: { name: string }; Querystring: { replace?: '0' | '1'; file?: string } }>,
    reply: FastifyReply,
  ) {
    const actor = actorOf(req);
    const name = checkedName(req.params.name);
    const replace = req.query.replace === '1';
    if (!(req.body instanceof Readable))
      throw badRequest(`send the recording itself as the body, with Content-Type audio/* or application/octet-stream; nothing stored`);
    // Said before the upload is read, and again (atomically) when it is stored.
    if (!replace && (await ctx.redis.hexists(soundKeys(ctx.prefix).index, name)) === 1)
      throw conflict(`a sound named "${name}" is stored already (send ?replace=1 to replace it); nothing stored`);
    const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    const body = await receiveBody(req.body, declared, limit);
    if (!body.ok && body.reason === 'too-big') throw tooLarge(body.bytes, limit);
    if (!body.ok) throw badRequest(`the upload was cut off after ${body.bytes} bytes; nothing stored`);
    const source = sourceName(req.query.file, name);
    // The file is needed only by the conversion; it goes before anything is answered.
    const converted = await convertUpload(body.file, { ...DECODE_BOUNDS, maxUploadBytes: limit }).finally(() => body.discard());
    // ffmpeg's words name the temp file: the client knows it by its own name.
    const why = (error: string) => error.replaceAll(`file:${body.file}`, source).replaceAll(body.file, source);
    if (!converted.ok) throw badRequest(`${source}: refused: ${why(converted.error)}; nothing stored`);
    const before = (await describeSound(ctx.redis, ctx.prefix, name)) ?? null;
    const added = await addSound(
      ctx.redis,
      ctx.prefix,
      {
        name,
        wav: converted.wav,
        ...(converted.wav16 ? { wav16: converted.wav16 } : {}),
        durationMs: converted.durationMs,
        source,
        sourceBytes: converted.sourceBytes,
      },
      { replace, now: new Date(ctx.now()) },
    ).catch((err: unknown) => {
      throw storeRefusal(err);
    });
    await ctx.audit.record(actor, { action: 'sound.add', target: name, before: added.replaced ? before : null, after: added.sound });
    return reply.code(added.replaced ? 200 : 201).send(added.sound);
  }

  app.delete<{ Params: { name: string } }>(
    '/api/sounds/:name',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'remove a stored sound; refused while the pushed configuration uses it',
        tags: ['sounds'],
        params: nameParams,
        response: { 204: { type: 'null' }, 404: errorSchema, 409: errorSchema },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const before = await removeSound(ctx.redis, ctx.prefix, req.params.name).catch((err: unknown) => {
        throw storeRefusal(err);
      });
      await ctx.audit.record(actor, {
        action: 'sound.remove',
        target: req.params.name,
        before: before ?? { name: req.params.name },
        after: null,
      });
      return reply.code(204).send();
    },
  );
}

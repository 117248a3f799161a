// The adapter registry: CRM_ADAPTER picks one. A new CRM is one module implementing
// CrmAdapter plus one entry here.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { StreamKeys } from '../store/eventStream';
import type { CrmAdapter } from './adapter';
import { createAriRecordingDeleter, createAriRecordingFetcher, withRecordingCleanup } from './ariRecordings';
import { Bitrix24Adapter } from './bitrix24';
import { Bitrix24AppAuth, type Bitrix24Auth } from './bitrix24Auth';
import { bitrix24Keys, recordingsDueKey } from './keys';
import { createMp3Encoder } from './mp3Encoder';
import { createSmtpSender } from './smtpMailer';
import { smtpSettings } from './smtpSettings';
import { withVoicemailMail } from './voicemailMail';
import { WebhookAdapter } from './webhook';

/** Settings that name a CRM (besides CRM_ADAPTER): with none of them, SMTP alone means the `none` adapter. */
export const CRM_SETTINGS = [
  'BITRIX24_WEBHOOK_URL',
  'BITRIX24_PORTAL_URL',
  'BITRIX24_CLIENT_ID',
  'BITRIX24_CLIENT_SECRET',
  'WEBHOOK_URL',
  'WEBHOOK_SECRET',
] as const;

const CRM_NAMED = (env: Env): boolean => CRM_SETTINGS.some((n) => env[n] !== undefined && env[n] !== '');

export type Env = Record<string, string | undefined>;

/** What every worker of one deployment shares. */
export interface SharedState {
  redis: Redis;
  keys: StreamKeys;
}

type Factory = (env: Env, logger: Logger, shared: SharedState) => CrmAdapter;

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

/** The local application's auth from BITRIX24_PORTAL_URL, BITRIX24_CLIENT_ID and BITRIX24_CLIENT_SECRET. */
export function bitrix24AppAuthFromEnv(env: Env, shared: SharedState, logger?: Logger): Bitrix24AppAuth {
  const keys = bitrix24Keys(shared.keys);
  return new Bitrix24AppAuth({
    portalUrl: required(env, 'BITRIX24_PORTAL_URL'),
    clientId: required(env, 'BITRIX24_CLIENT_ID'),
    clientSecret: required(env, 'BITRIX24_CLIENT_SECRET'),
    oauthTokenUrl: env.BITRIX24_OAUTH_URL || undefined,
    allowInsecureHttp: env.BITRIX24_ALLOW_INSECURE_HTTP === '1',
    redis: shared.redis,
    tokenKey: keys.oauth,
    lockKey: keys.oauthLock,
    logger,
  });
}

function bitrix24Auth(env: Env, logger: Logger, shared: SharedState): Bitrix24Auth | undefined {
  const app = Boolean(env.BITRIX24_CLIENT_ID);
  const webhook = Boolean(env.BITRIX24_WEBHOOK_URL);
  if (app && webhook) throw new Error('set either BITRIX24_WEBHOOK_URL (a webhook) or BITRIX24_CLIENT_ID (a local application), not both');
  if (!app && !webhook)
    throw new Error(
      'BITRIX24_WEBHOOK_URL is not set (or use a local application: BITRIX24_PORTAL_URL, BITRIX24_CLIENT_ID, BITRIX24_CLIENT_SECRET)',
    );
  return app ? bitrix24AppAuthFromEnv(env, shared, logger) : undefined;
}

// A Map, not a plain object: a name such as "constructor" or "toString" must be unknown,
// not an Object built-in that looks like a factory.
export const ADAPTERS: ReadonlyMap<string, Factory> = new Map<string, Factory>([
  [
    'bitrix24',
    (env, logger, shared) => {
      const ariUrl = env.ARI_URL;
      const allowInsecureHttp = env.BITRIX24_ALLOW_INSECURE_HTTP === '1';
      if (allowInsecureHttp)
        logger.warn(
          'BITRIX24_ALLOW_INSECURE_HTTP=1: an http:// Bitrix24 address is accepted and its token travels in clear; for a local test server only',
        );
      const auth = bitrix24Auth(env, logger, shared);
      return new Bitrix24Adapter({
        ...(auth ? { auth } : { webhookUrl: env.BITRIX24_WEBHOOK_URL }),
        allowInsecureHttp,
        logger,
        redis: shared.redis,
        keys: shared.keys,
        ratePerSecond: env.BITRIX24_RATE_PER_SECOND ? Number(env.BITRIX24_RATE_PER_SECOND) : undefined,
        fetchRecording: ariUrl
          ? createAriRecordingFetcher({ url: ariUrl, user: required(env, 'ARI_USER'), password: required(env, 'ARI_PASSWORD') })
          : undefined,
      });
    },
  ],
  ['webhook', (env, logger) => new WebhookAdapter({ url: required(env, 'WEBHOOK_URL'), secret: required(env, 'WEBHOOK_SECRET'), logger })],
  // No CRM: the worker only e-mails voicemails (the default when SMTP is set and no CRM is).
  ['none', () => NO_CRM],
]);

const NO_CRM: CrmAdapter = {
  name: 'none',
  lookupCaller: async () => ({ kind: 'skipped' }),
  apply: async () => undefined,
};

/** The adapter CRM_ADAPTER names (default bitrix24); an unknown name is refused with the known ones. */
export function createAdapter(env: Env, logger: Logger, shared: SharedState): CrmAdapter {
  const smtp = smtpSettings(env);
  const name = env.CRM_ADAPTER ? env.CRM_ADAPTER : smtp && !CRM_NAMED(env) ? 'none' : 'bitrix24';
  const factory = ADAPTERS.get(name);
  if (factory === undefined) throw new Error(`CRM_ADAPTER must be one of ${[...ADAPTERS.keys()].join(', ')} (got "${name}")`);
  let adapter = factory(env, logger, shared);
  if (smtp) {
    // The mail step runs inside the clean-up below: the recording leaves Asterisk only after it.
    if (!env.ARI_URL)
      throw new Error('voicemail e-mail (SMTP_URL or SMTP_HOST) needs ARI_URL, ARI_USER and ARI_PASSWORD to fetch the recordings');
    adapter = withVoicemailMail(adapter, {
      sender: createSmtpSender(smtp),
      fetchRecording: createAriRecordingFetcher({
        url: env.ARI_URL,
        user: required(env, 'ARI_USER'),
        password: required(env, 'ARI_PASSWORD'),
      }),
      encodeMp3: createMp3Encoder({
        onFailure: (command, err) => logger.warn({ err, command }, 'MP3 encoding failed; the WAV is sent alone'),
      }),
      logger,
    });
  }
  // With ARI access, voicemails are deleted from Asterisk once stored (or after the retention).
  if (!env.ARI_URL) return adapter;
  return withRecordingCleanup(adapter, {
    deleteRecording: createAriRecordingDeleter({
      url: env.ARI_URL,
      user: required(env, 'ARI_USER'),
      password: required(env, 'ARI_PASSWORD'),
    }),
    retentionMs: recordingRetentionMs(env),
    redis: shared.redis,
    dueKey: recordingsDueKey(shared.keys),
    logger,
  });
}

/** RECORDING_RETENTION_HOURS (default 0: delete right after the CRM work); hours, fractions allowed. */
export function recordingRetentionMs(env: Env): number {
  const raw = env.RECORDING_RETENTION_HOURS;
  if (raw === undefined || raw === '') return 0;
  const hours = Number(raw);
  if (!Number.isFinite(hours) || hours < 0 || hours > 24 * 3650)
    throw new Error(`RECORDING_RETENTION_HOURS must be a number of hours, 0 or more (got "${raw}")`);
  return Math.round(hours * 3_600_000);
}

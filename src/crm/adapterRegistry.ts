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
import type { WorkerSettings } from '../settings/processes';
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

const CRM_NAMED = (s: WorkerSettings): boolean => CRM_SETTINGS.some((n) => s[n] !== undefined);

/** What every worker of one deployment shares. */
export interface SharedState {
  redis: Redis;
  keys: StreamKeys;
}

type Factory = (settings: WorkerSettings, logger: Logger, shared: SharedState) => CrmAdapter;

type Optional = { [N in keyof WorkerSettings]: undefined extends WorkerSettings[N] ? N : never }[keyof WorkerSettings];

/** A setting the chosen CRM needs though the declaration lets it be unset. */
function required<N extends Optional>(s: WorkerSettings, name: N): NonNullable<WorkerSettings[N]> {
  const value = s[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value as NonNullable<WorkerSettings[N]>;
}

/** Where recordings are fetched and deleted: ARI_URL with its user, password and CA (undefined: ARI_URL unset). */
function ariAccess(s: WorkerSettings): { url: string; user: string; password: string; caFile?: string } | undefined {
  if (s.ARI_URL === undefined) return undefined;
  return { url: s.ARI_URL, user: s.ARI_USER, password: required(s, 'ARI_PASSWORD'), ...(s.ARI_CA_FILE ? { caFile: s.ARI_CA_FILE } : {}) };
}

/** The local application's auth from BITRIX24_PORTAL_URL, BITRIX24_CLIENT_ID and BITRIX24_CLIENT_SECRET. */
export function bitrix24AppAuthFromEnv(s: WorkerSettings, shared: SharedState, logger?: Logger): Bitrix24AppAuth {
  const keys = bitrix24Keys(shared.keys);
  return new Bitrix24AppAuth({
    portalUrl: required(s, 'BITRIX24_PORTAL_URL'),
    clientId: required(s, 'BITRIX24_CLIENT_ID'),
    clientSecret: required(s, 'BITRIX24_CLIENT_SECRET'),
    oauthTokenUrl: s.BITRIX24_OAUTH_URL,
    allowInsecureHttp: s.BITRIX24_ALLOW_INSECURE_HTTP,
    redis: shared.redis,
    tokenKey: keys.oauth,
    lockKey: keys.oauthLock,
    logger,
  });
}

function bitrix24Auth(s: WorkerSettings, logger: Logger, shared: SharedState): Bitrix24Auth | undefined {
  const app = s.BITRIX24_CLIENT_ID !== undefined;
  const webhook = s.BITRIX24_WEBHOOK_URL !== undefined;
  if (app && webhook) throw new Error('set either BITRIX24_WEBHOOK_URL (a webhook) or BITRIX24_CLIENT_ID (a local application), not both');
  if (!app && !webhook)
    throw new Error(
      'BITRIX24_WEBHOOK_URL is not set (or use a local application: BITRIX24_PORTAL_URL, BITRIX24_CLIENT_ID, BITRIX24_CLIENT_SECRET)',
    );
  return app ? bitrix24AppAuthFromEnv(s, shared, logger) : undefined;
}

// A Map, not a plain object: a name such as "constructor" or "toString" must be unknown,
// not an Object built-in that looks like a factory.
export const ADAPTERS: ReadonlyMap<string, Factory> = new Map<string, Factory>([
  [
    'bitrix24',
    (s, logger, shared) => {
      const ari = ariAccess(s);
      const allowInsecureHttp = s.BITRIX24_ALLOW_INSECURE_HTTP;
      if (allowInsecureHttp)
        logger.warn(
          'BITRIX24_ALLOW_INSECURE_HTTP=1: an http:// Bitrix24 address is accepted and its token travels in clear; for a local test server only',
        );
      const auth = bitrix24Auth(s, logger, shared);
      return new Bitrix24Adapter({
        ...(auth ? { auth } : { webhookUrl: s.BITRIX24_WEBHOOK_URL }),
        allowInsecureHttp,
        logger,
        redis: shared.redis,
        keys: shared.keys,
        ratePerSecond: s.BITRIX24_RATE_PER_SECOND,
        fetchRecording: ari ? createAriRecordingFetcher(ari) : undefined,
      });
    },
  ],
  ['webhook', (s, logger) => new WebhookAdapter({ url: required(s, 'WEBHOOK_URL'), secret: required(s, 'WEBHOOK_SECRET'), logger })],
  // No CRM: the worker only e-mails voicemails (the default when SMTP is set and no CRM is).
  ['none', () => NO_CRM],
]);

const NO_CRM: CrmAdapter = {
  name: 'none',
  lookupCaller: async () => ({ kind: 'skipped' }),
  apply: async () => undefined,
};

/** The adapter CRM_ADAPTER names (default bitrix24; none when only SMTP is set), with e-mail and clean-up around it. */
export function createAdapter(s: WorkerSettings, logger: Logger, shared: SharedState): CrmAdapter {
  const name = s.CRM_ADAPTER ?? (s.smtp && !CRM_NAMED(s) ? 'none' : 'bitrix24');
  const factory = ADAPTERS.get(name);
  if (factory === undefined) throw new Error(`CRM_ADAPTER must be one of ${[...ADAPTERS.keys()].join(', ')} (got "${name}")`);
  let adapter = factory(s, logger, shared);
  const ari = ariAccess(s);
  if (s.smtp) {
    // The mail step runs inside the clean-up below: the recording leaves Asterisk only after it.
    if (!ari) throw new Error('voicemail e-mail (SMTP_URL or SMTP_HOST) needs ARI_URL, ARI_USER and ARI_PASSWORD to fetch the recordings');
    adapter = withVoicemailMail(adapter, {
      sender: createSmtpSender(s.smtp),
      fetchRecording: createAriRecordingFetcher(ari),
      encodeMp3: createMp3Encoder({
        onFailure: (command, err) => logger.warn({ err, command }, 'MP3 encoding failed; the WAV is sent alone'),
      }),
      logger,
    });
  }
  // With ARI access, voicemails are deleted from Asterisk once stored (or after the retention).
  if (!ari) return adapter;
  return withRecordingCleanup(adapter, {
    deleteRecording: createAriRecordingDeleter(ari),
    retentionMs: Math.round(s.RECORDING_RETENTION_HOURS * 3_600_000),
    redis: shared.redis,
    dueKey: recordingsDueKey(shared.keys),
    logger,
  });
}

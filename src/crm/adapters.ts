// The adapter registry: CRM_ADAPTER picks one. A new CRM is one module implementing
// CrmAdapter plus one entry here.
import type { Logger } from 'pino';
import type { CrmAdapter } from './adapter';
import { createAriRecordingFetcher } from './ariRecordings';
import { Bitrix24Adapter } from './bitrix24';
import { WebhookAdapter } from './webhook';

export type Env = Record<string, string | undefined>;

type Factory = (env: Env, logger: Logger) => CrmAdapter;

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

// A Map, not a plain object: a name such as "constructor" or "toString" must be unknown,
// not an Object built-in that looks like a factory.
export const ADAPTERS: ReadonlyMap<string, Factory> = new Map<string, Factory>([
  [
    'bitrix24',
    (env, logger) => {
      const ariUrl = env.ARI_URL;
      const allowInsecureHttp = env.BITRIX24_ALLOW_INSECURE_HTTP === '1';
      if (allowInsecureHttp) logger.warn('BITRIX24_ALLOW_INSECURE_HTTP=1: an http:// webhook URL is accepted and its token travels in clear; for a local test server only');
      return new Bitrix24Adapter({
        webhookUrl: required(env, 'BITRIX24_WEBHOOK_URL'),
        allowInsecureHttp,
        logger,
        ratePerSecond: env.BITRIX24_RATE_PER_SECOND ? Number(env.BITRIX24_RATE_PER_SECOND) : undefined,
        fetchRecording: ariUrl
          ? createAriRecordingFetcher({ url: ariUrl, user: required(env, 'ARI_USER'), password: required(env, 'ARI_PASSWORD') })
          : undefined,
      });
    },
  ],
  ['webhook', (env, logger) => new WebhookAdapter({ url: required(env, 'WEBHOOK_URL'), secret: required(env, 'WEBHOOK_SECRET'), logger })],
]);

/** The adapter CRM_ADAPTER names (default bitrix24); an unknown name is refused with the known ones. */
export function createAdapter(env: Env, logger: Logger): CrmAdapter {
  const name = env.CRM_ADAPTER === undefined || env.CRM_ADAPTER === '' ? 'bitrix24' : env.CRM_ADAPTER;
  const factory = ADAPTERS.get(name);
  if (factory === undefined) throw new Error(`CRM_ADAPTER must be one of ${[...ADAPTERS.keys()].join(', ')} (got "${name}")`);
  return factory(env, logger);
}

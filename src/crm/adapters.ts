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

export const ADAPTERS: Record<string, Factory> = {
  bitrix24: (env, logger) => {
    const ariUrl = env.ARI_URL;
    return new Bitrix24Adapter({
      webhookUrl: required(env, 'BITRIX24_WEBHOOK_URL'),
      logger,
      ratePerSecond: env.BITRIX24_RATE_PER_SECOND ? Number(env.BITRIX24_RATE_PER_SECOND) : undefined,
      fetchRecording: ariUrl
        ? createAriRecordingFetcher({ url: ariUrl, user: required(env, 'ARI_USER'), password: required(env, 'ARI_PASSWORD') })
        : undefined,
    });
  },
  webhook: (env, logger) => new WebhookAdapter({ url: required(env, 'WEBHOOK_URL'), secret: required(env, 'WEBHOOK_SECRET'), logger }),
};

export function createAdapter(env: Env, logger: Logger): CrmAdapter {
  const name = env.CRM_ADAPTER ?? 'bitrix24';
  const factory = ADAPTERS[name];
  if (!factory) throw new Error(`CRM_ADAPTER must be one of ${Object.keys(ADAPTERS).join(', ')} (got "${name}")`);
  return factory(env, logger);
}

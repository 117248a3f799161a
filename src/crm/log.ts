import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Secrets never reach the log: they are redacted by path wherever a config or environment
 * object is logged, and adapters keep URLs out of error messages.
 */
export const REDACT_PATHS = [
  'webhookUrl', '*.webhookUrl', 'secret', '*.secret', 'password', '*.password',
  'BITRIX24_WEBHOOK_URL', '*.BITRIX24_WEBHOOK_URL',
  'WEBHOOK_URL', '*.WEBHOOK_URL', 'WEBHOOK_SECRET', '*.WEBHOOK_SECRET',
  'ARI_PASSWORD', '*.ARI_PASSWORD', 'REDIS_URL', '*.REDIS_URL',
  'headers.authorization', '*.headers.authorization',
];

export function createCrmLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  const options = { name: 'after-hours-crm', level: opts.level ?? process.env.LOG_LEVEL ?? 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

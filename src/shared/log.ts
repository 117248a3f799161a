import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Secrets never reach the log: they are redacted by path wherever a config or environment
 * object is logged, and adapters keep URLs out of error messages.
 */
export const REDACT_PATHS = [
  'webhookUrl',
  '*.webhookUrl',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'BITRIX24_WEBHOOK_URL',
  '*.BITRIX24_WEBHOOK_URL',
  'WEBHOOK_URL',
  '*.WEBHOOK_URL',
  'WEBHOOK_SECRET',
  '*.WEBHOOK_SECRET',
  'ARI_PASSWORD',
  '*.ARI_PASSWORD',
  'REDIS_URL',
  '*.REDIS_URL',
  'headers.authorization',
  '*.headers.authorization',
];

/** The one logger factory (daemon and CRM worker): pino JSON with secrets redacted by path. */
export function createLogger(name: string, opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  const options = { name, level: opts.level ?? 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** Caller numbers in logs: kept, or masked to the last three digits when LOG_MASK_CALLERS is set. */
export function callerMasker(mask: boolean): (n: string) => string {
  return mask
    ? (n) => (n.length > 3 ? `${n.slice(0, n.startsWith('+') ? 1 : 0)}${'*'.repeat(Math.max(0, n.length - 4))}${n.slice(-3)}` : n)
    : (n) => n;
}

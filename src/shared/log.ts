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
  'headers.cookie',
  '*.headers.cookie',
  'headers["set-cookie"]',
  '*.headers["set-cookie"]',
  'headers["x-csrf-token"]',
  '*.headers["x-csrf-token"]',
  'token',
  '*.token',
  'query.token',
  '*.query.token',
];

/** A URL (or path with a query) with the value of every token-like parameter replaced. */
export function urlWithoutSecrets(url: string): string {
  return url.replace(/([?&;](?:token|access_token|auth|password|secret|key)=)[^&#;]*/gi, '$1[redacted]');
}

interface LoggedRequest {
  method?: string;
  url?: string;
  ip?: string;
}

/**
 * Where a URL is logged (`url`, or a request as `req`) it goes through here: a token in a
 * query (the calendar feed's ?token=) never reaches a log line, nor a request's headers
 * (Authorization, Cookie).
 */
export const LOG_SERIALIZERS = {
  url: (url: unknown) => (typeof url === 'string' ? urlWithoutSecrets(url) : url),
  req: (req: unknown) => {
    if (req === null || typeof req !== 'object') return req;
    const r = req as LoggedRequest;
    return { method: r.method, url: typeof r.url === 'string' ? urlWithoutSecrets(r.url) : undefined, from: r.ip };
  },
};

/** The one logger factory (daemon, CRM worker, console): pino JSON with secrets redacted by path and URLs without tokens. */
export function createLogger(name: string, opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  const options = {
    name,
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: LOG_SERIALIZERS,
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** Caller numbers in logs: kept, or masked to the last three digits when LOG_MASK_CALLERS is set. */
export function callerMasker(mask: boolean): (n: string) => string {
  return mask
    ? (n) => (n.length > 3 ? `${n.slice(0, n.startsWith('+') ? 1 : 0)}${'*'.repeat(Math.max(0, n.length - 4))}${n.slice(-3)}` : n)
    : (n) => n;
}

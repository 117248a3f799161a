import pino, { type Logger } from 'pino';
import { REDACT_PATHS } from './crm/log';

/** The daemon's logger: pino JSON, secrets redacted by path (the same paths as the CRM worker). */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}

/** Caller numbers in logs: kept, or masked to the last three digits when LOG_MASK_CALLERS is set. */
export function callerMasker(mask: boolean): (n: string) => string {
  return mask ? (n) => (n.length > 3 ? `${n.slice(0, n.startsWith('+') ? 1 : 0)}${'*'.repeat(Math.max(0, n.length - 4))}${n.slice(-3)}` : n) : (n) => n;
}

import type { AuditAction } from '../store/auditLog';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ConsoleMetrics } from './metrics';
import type { NumbersView } from './numbersView';
import type { Actor } from './roles';

// What every route of the console works with. Built once by the server; tests build their own.

/** One change for the audit trail: what was done to what, and the state before and after. */
export interface AuditChange {
  action: AuditAction;
  target: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditRecorder {
  record(actor: Actor, change: AuditChange): Promise<void>;
}

export interface ConsoleContext {
  redis: Redis;
  prefix: string;
  now: () => number;
  log: Logger;
  numbers: NumbersView;
  audit: AuditRecorder;
  /** Mark the session cookie Secure (the console is reached over https, e.g. behind a proxy). */
  secureCookie: boolean;
  /**
   * Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed: the client's
   * address then counts for login limits and the audit trail. Empty: the peer's address.
   */
  trustedProxies?: string[];
  /** The largest sound upload, in bytes (default: the CLI's limit, SOUND_LIMITS.maxUploadBytes). */
  soundUploadBytes?: number;
  /** With it, GET /metrics (unauthenticated, as /healthz) and a count of every request. */
  metrics?: ConsoleMetrics;
}

import type { AuditAction } from '../store/auditLog';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ConsoleMetrics } from './metrics';
import type { NumbersView } from './numbersView';
import type { Actor } from './roles';

/**
 * How long a client may hold a connection: `idleMs` without a byte either way (a body that
 * stopped), `headersMs` for the request's headers, `requestMs` for a whole request (a sound
 * upload of the largest size over a slow link fits), `keepAliveMs` between requests.
 */
export interface ConsoleTimeouts {
  idleMs: number;
  headersMs: number;
  requestMs: number;
  keepAliveMs: number;
}

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
  /**
   * The one folder a push through the API may read files from (CONSOLE_CONFIG_DIR, default the
   * folder of --config); undefined: none, only stored sounds and iCalendar texts sent with it.
   */
  configDir?: string;
  /** How many pushed configuration versions a push or rollback keeps (CONFIG_VERSIONS_KEEP; default DEFAULT_VERSIONS_KEPT). */
  versionsKeep?: number;
  /** Connection and request time-outs (default CONSOLE_TIMEOUTS); tests shorten them. */
  timeouts?: Partial<ConsoleTimeouts>;
}

import type { ARI_REST_CLIENTS } from '../settings/declaration';
import { AgentTransport, agentRequest, newAgent, type NodeAgent } from './agentTransport';
import { resolveAriAccess, type AriAccess, type AriTarget } from './endpoint';
import { AriHttpError } from './errors';
import { ARI_HTTP_LIMITS, type AriHttpLimits } from './limits';
import { OwnTransport } from './ownTransport';
import type { AriTransport, TransportSettings } from './transport';
import { UndiciTransport } from './undiciTransport';

// A plain ARI HTTP client: where ARI is (ARI_URL, TLS with ARI_CA_FILE), its credentials, the
// connections, time-outs, size limits and which requests may be sent again. The call path
// (src/ari/rest.ts builds ARI's calls on it) and the CRM worker (recording downloads) both use
// it; it knows nothing of calls.
//
// Transports (ARI_REST_CLIENT picks one; bench/calls.ts compares them): `own` writes HTTP/1.1
// itself on keep-alive sockets, `agent` is node's http/https client with a keep-alive Agent,
// `undici` is undici's Pool.
// Binary downloads always use node's client.

/** Which transport carries the REST calls (ARI_REST_CLIENT, declared in settings/declaration). */
export type AriRestClient = (typeof ARI_REST_CLIENTS)[number];

/** Sees every request: for metrics (call set-up, request time per operation). */
export interface AriRestObserver {
  /** A request was handed to the transport (`own`: written to a socket, or queued for one). */
  sent?(operation: string, channelId: string | undefined): void;
  /** It was answered (status `2xx`, `4xx`, `5xx`) or failed without an answer (`error`), `seconds` after it was sent. */
  done?(operation: string, status: string, seconds: number): void;
}

/** What a request is: ARI's operation name (bounded, for metrics) and the channel it acts on. */
export interface AriOperation {
  operation: string;
  channelId?: string;
}

const OTHER: AriOperation = { operation: 'other' };

export type Query = Record<string, string | number | boolean | undefined>;

export interface AriHttpOptions extends AriAccess {
  /** A request's time-out (default 5 s). */
  timeoutMs?: number;
  /** Which transport carries the calls (default own). */
  restClient?: AriRestClient;
  observer?: AriRestObserver;
  limits?: Partial<AriHttpLimits>;
  /** Sockets at most (default 64). */
  maxSockets?: number;
}

export class AriHttpClient {
  readonly target: AriTarget;
  readonly restClient: AriRestClient;
  private readonly transport: AriTransport;
  private readonly settings: TransportSettings;
  /** For binary downloads (recordings), whatever the transport. */
  private readonly downloads: NodeAgent;
  private readonly timeoutMs: number;
  private readonly observer: AriRestObserver | undefined;

  constructor(opts: AriHttpOptions) {
    this.target = resolveAriAccess(opts);
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.restClient = opts.restClient ?? 'own';
    const limits = { ...ARI_HTTP_LIMITS, ...opts.limits };
    this.settings = { target: this.target, limits, maxSockets: opts.maxSockets ?? 64 };
    this.transport =
      this.restClient === 'agent'
        ? new AgentTransport(this.settings)
        : this.restClient === 'undici'
          ? new UndiciTransport(this.settings)
          : new OwnTransport(this.settings);
    this.downloads = newAgent(this.target, 8, limits.idleSocketMs);
    this.observer = opts.observer;
  }

  /** Sends a request; resolves with the body (parsed JSON when there is one). `op` names it for metrics. */
  async request<T = unknown>(method: string, path: string, query?: Query, body?: unknown, op: AriOperation = OTHER): Promise<T> {
    let qs = '';
    if (query) {
      const parts: string[] = [];
      for (const [k, v] of Object.entries(query))
        if (v !== undefined) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
      if (parts.length) qs = `?${parts.join('&')}`;
    }
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const obs = this.observer;
    const t0 = obs ? performance.now() : 0;
    obs?.sent?.(op.operation, op.channelId);
    let raw: Buffer;
    try {
      raw = await this.transport.request({
        method,
        path,
        target: `${this.target.endpoint.restBase}${path}${qs}`,
        payload,
        timeoutMs: this.timeoutMs,
        maxBodyBytes: this.settings.limits.maxBodyBytes,
      });
    } catch (err) {
      obs?.done?.(
        op.operation,
        err instanceof AriHttpError ? `${Math.floor(err.status / 100)}xx` : 'error',
        (performance.now() - t0) / 1000,
      );
      throw err;
    }
    obs?.done?.(op.operation, '2xx', (performance.now() - t0) / 1000);
    if (raw.length === 0) return undefined as T;
    const text = raw.toString('utf8');
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }

  /** Fetches a binary body (stored recordings); AriHttpError for an error status (404: gone). */
  getBuffer(path: string, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<Buffer> {
    return agentRequest(this.settings, this.downloads, {
      method: 'GET',
      path,
      target: `${this.target.endpoint.restBase}${path}`,
      timeoutMs: opts.timeoutMs ?? 60_000,
      maxBodyBytes: this.settings.limits.maxDownloadBytes,
      signal: opts.signal,
    });
  }

  close(): void {
    this.transport.close();
    this.downloads.destroy();
  }
}

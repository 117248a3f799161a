import type { AriTarget } from './endpoint';
import type { AriHttpLimits } from './limits';

/** One request as a transport carries it. */
export interface TransportRequest {
  method: string;
  /** ARI's path (for messages), e.g. /channels/c1. */
  path: string;
  /** The request target on the wire: prefix + /ari + path + query. */
  target: string;
  payload?: string;
  timeoutMs: number;
  /** The answer body's bound (JSON answers or a download). */
  maxBodyBytes: number;
  signal?: AbortSignal;
}

/**
 * Carries requests: resolves with the body of a 2xx answer; rejects with AriHttpError for a
 * status >= 300, AriTooLargeError, or AriUnansweredError after re-sending what retrySafety
 * allows.
 */
export interface AriTransport {
  request(req: TransportRequest): Promise<Buffer>;
  close(): void;
}

export interface TransportSettings {
  target: AriTarget;
  limits: AriHttpLimits;
  /** At most this many sockets at once. */
  maxSockets: number;
}

import type { ErrorCode } from '../shared/errorCodes';

// What an ARI request can fail with, whatever the transport: an answer with an error status,
// no complete answer (and whether Asterisk may have acted on the request), or an answer over
// the client's size limits.

export class AriHttpError extends Error {
  readonly code: ErrorCode = 'AH_ERR_ARI_HTTP';
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    body: string,
  ) {
    super(`ARI ${method} ${path} answered ${status}${body ? `: ${body.slice(0, 200)}` : ''}`);
  }
}

/**
 * No complete answer: a refused or broken connection, or a time-out. `mayHaveReached` is false
 * only when the request provably never left this process (the connection was never made, or
 * the write itself failed); then it was already re-sent once. When true, Asterisk may have
 * acted on it (a POST is never re-sent: the caller's recovery decides).
 */
export class AriUnansweredError extends Error {
  readonly code: ErrorCode = 'AH_ERR_ARI_UNANSWERED';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly mayHaveReached: boolean,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`ARI ${method} ${path}: ${reason}${mayHaveReached ? '' : ' (not sent)'}`, options);
  }
}

/** The answer's headers or body were over the limit: the connection is dropped, nothing re-sent. */
export class AriTooLargeError extends Error {
  readonly code: ErrorCode = 'AH_ERR_ARI_TOO_LARGE';
  constructor(
    readonly method: string,
    readonly path: string,
    what: 'headers' | 'body',
    limit: number,
  ) {
    super(`ARI ${method} ${path}: the answer's ${what} are over ${limit} bytes`);
  }
}

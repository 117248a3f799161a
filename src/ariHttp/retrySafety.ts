// When a request that got no answer may be sent again. Pure: the transports ask it.
//
// A request that provably never left this process (the connection was never made, the write
// failed) is sent again whatever its method: Asterisk cannot have seen it. One that was
// written may have been read and acted on before the connection broke, even when no byte of
// the answer came back (Asterisk dials the forward, then the socket dies): only an idempotent
// method is sent again then. ARI's PUT (device states) and DELETE (hang up, stop, destroy)
// are idempotent: a second DELETE of what the first removed answers 404, which callers
// already read as "gone". POST (continue, dial, record, create, answer) is not.

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method.toUpperCase());
}

/** A request is sent at most twice. */
export const MAX_ATTEMPTS = 2;

export interface FailedAttempt {
  method: string;
  /** How many times it has been sent (1 on the first failure). */
  attempts: number;
  /** The request was handed to the operating system (it may have reached Asterisk). */
  written: boolean;
  /** A byte of the answer arrived (then the request surely reached Asterisk). */
  answered: boolean;
}

export function mayResend(f: FailedAttempt): boolean {
  if (f.attempts >= MAX_ATTEMPTS) return false;
  if (!f.written) return true;
  return !f.answered && isIdempotent(f.method);
}

// What a failed fetch means, in words. undici throws `TypeError: fetch failed` and hides the
// reason in `cause` (sometimes an AggregateError of one error per address tried), so the
// message names the code and says what it means: "connection refused to https://portal/rest/…
// (ECONNREFUSED)" rather than "network error (TypeError)".

const WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'answer stalled',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'connection closed',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS look-up failed (temporary)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNABORTED: 'connection aborted',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate chain is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate cannot be verified',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate is for another host',
};

/** The innermost error code in `err`'s cause chain (first of an AggregateError's errors). */
export function networkErrorCode(err: unknown): string | undefined {
  let current: unknown = err;
  let code: string | undefined;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    const c = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof c.code === 'string') code = c.code;
    if (Array.isArray(c.errors) && c.errors.length > 0) current = c.errors[0];
    else current = c.cause;
  }
  return code;
}

/**
 * "connection refused to <where> (ECONNREFUSED)". `where` is what the caller may show: never a
 * URL with a secret in it (a webhook token), so the message can go to logs and dead letters.
 */
export function describeNetworkError(err: unknown, where: string): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    return `no answer from ${where} in time (timeout)`;
  const code = networkErrorCode(err);
  if (code !== undefined) return `${WORDS[code] ?? 'network error'} to ${where} (${code})`;
  const inner = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const what = inner instanceof Error ? inner.message.replace(/https?:\/\/\S+/g, '<url>') : 'unknown';
  return `network error to ${where} (${what})`;
}

// Every code an after-hours error carries (`err.code` in the logs, as pino prints it), in one
// place, with what it means: an operator can search for one. Error classes type their code
// as ErrorCode, so a code that is not listed here does not compile.

export const ERROR_CODES = {
  AH_ERR_CONFIG_INVALID: 'a configuration file was refused; every problem is listed as FILE:LINE:COL',
  AH_ERR_SETTINGS: 'an environment setting or secret file was refused at start (exit 78)',
  AH_ERR_USAGE: 'a command line was refused (exit 2)',
  AH_ERR_ARI_URL: 'ARI_URL or ARI_CA_FILE cannot be used',
  AH_ERR_ARI_HTTP: 'Asterisk answered an ARI request with an error status',
  AH_ERR_ARI_UNANSWERED:
    'an ARI request got no complete answer (the connection broke or timed out); mayHaveReached says whether Asterisk may have acted on it',
  AH_ERR_ARI_TOO_LARGE: "an ARI answer's headers or body were over the client's limit; the connection was closed",
  AH_ERR_REDIS_SETTINGS: 'the Redis settings (URL, sentinels, credentials) are inconsistent',
  AH_ERR_REPLICATION_SHORTFALL: 'a connected replica did not confirm an event in time; the spool keeps it and retries',
  AH_ERR_SPOOL_WRITE:
    'the local event spool refused a write (a full disk: ENOSPC, or another write error); the event went to Redis directly',
  AH_ERR_EVENT_LOST:
    'an event could be neither spooled (a full disk) nor sent to Redis: the call was handled, its CRM work will not happen',
  AH_ERR_INVALID_EVENT: 'an event does not match config/schema/event.schema.json',
  AH_ERR_CRM_TRANSIENT: 'a CRM request failed in a way worth retrying (network, rate limit, 5xx)',
  AH_ERR_CRM_PERMANENT: 'a CRM request was refused for good (credentials, a bad request); the event is dead-lettered',
  AH_ERR_CONSOLE_BAD_REQUEST: 'the console refused a request for what it asked (HTTP 400); nothing changed',
  AH_ERR_CONSOLE_UNAUTHENTICATED: 'the console got no token, or an unknown, revoked or expired token or session (HTTP 401)',
  AH_ERR_CONSOLE_FORBIDDEN: "the console token's role may not do this, or a page change came without its CSRF token (HTTP 403)",
  AH_ERR_CONSOLE_NOT_FOUND: 'the console knows no such number, version, token or dead letter (HTTP 404)',
  AH_ERR_CONSOLE_CONFLICT: 'the console refused a change that clashes with what exists, e.g. a token name in use (HTTP 409)',
  AH_ERR_CONSOLE_TOO_LARGE: 'the console refused an upload over its size limit before reading it all (HTTP 413); nothing stored',
  AH_ERR_CONSOLE_RATE_LIMITED: 'too many failed console logins from one address; wait (HTTP 429, Retry-After)',
  AH_ERR_CONSOLE_UNAVAILABLE: 'the console cannot reach Redis now (HTTP 503); nothing changed',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

// Every code an after-hours error carries (`err.code` in the logs, as pino prints it), in one
// place, with what it means: an operator can search for one. Error classes type their code
// as ErrorCode, so a code that is not listed here does not compile.

export const ERROR_CODES = {
  AH_ERR_CONFIG_INVALID: 'a configuration file was refused; every problem is listed as FILE:LINE:COL',
  AH_ERR_SETTINGS: 'an environment setting or secret file was refused at start (exit 78)',
  AH_ERR_USAGE: 'a command line was refused (exit 2)',
  AH_ERR_ARI_URL: 'ARI_URL or ARI_CA_FILE cannot be used',
  AH_ERR_ARI_HTTP: 'Asterisk answered an ARI request with an error status',
  AH_ERR_REDIS_SETTINGS: 'the Redis settings (URL, sentinels, credentials) are inconsistent',
  AH_ERR_REPLICATION_SHORTFALL: 'a connected replica did not confirm an event in time; the spool keeps it and retries',
  AH_ERR_INVALID_EVENT: 'an event does not match config/schema/event.schema.json',
  AH_ERR_CRM_TRANSIENT: 'a CRM request failed in a way worth retrying (network, rate limit, 5xx)',
  AH_ERR_CRM_PERMANENT: 'a CRM request was refused for good (credentials, a bad request); the event is dead-lettered',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

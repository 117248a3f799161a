import type { ErrorCode } from '../shared/errorCodes';

/**
 * A setting from the environment is missing, contradictory or malformed (a CRM without its
 * credentials, X and X_FILE both set, a port out of range). Every process exits with 78
 * (EX_CONFIG) on it: a service manager does not restart what a restart cannot fix.
 */
export class SettingsError extends Error {
  readonly code: ErrorCode = 'AH_ERR_SETTINGS';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SettingsError';
  }
}

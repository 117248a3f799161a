// A refusal of what the user typed, found while a verb runs (commander's own parsing errors
// are reported by commander). main.ts prints its message and exits 2, like any usage error.
import type { ErrorCode } from '../errorCodes';
export class UsageError extends Error {
  readonly code: ErrorCode = 'AH_ERR_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

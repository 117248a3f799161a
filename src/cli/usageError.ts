// A refusal of what the user typed, found while a verb runs (commander's own parsing errors
// are reported by commander). main.ts prints its message and exits 2, like any usage error.
import type { ErrorCode } from '../shared/errorCodes';
export class UsageError extends Error {
  readonly code: ErrorCode = 'AH_ERR_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Awaits `run`; an error of one of the `refusals` classes (a store's refusal of what was typed:
 * a version not kept, a sound in use) becomes a UsageError with its message, so it exits 2.
 */
export async function refusalsAsUsage<T>(run: Promise<T>, ...refusals: (abstract new (...args: never[]) => Error)[]): Promise<T> {
  try {
    return await run;
  } catch (err) {
    if (refusals.some((r) => err instanceof r)) throw new UsageError((err as Error).message);
    throw err;
  }
}

import type { ErrorCode } from '../shared/errorCodes';

// A refusal the console answers with: an HTTP status, a stable code and a message that says
// what is wrong. The server's error handler turns it into `{ error, code }`.

const STATUS = {
  AH_ERR_CONSOLE_BAD_REQUEST: 400,
  AH_ERR_CONSOLE_UNAUTHENTICATED: 401,
  AH_ERR_CONSOLE_FORBIDDEN: 403,
  AH_ERR_CONSOLE_NOT_FOUND: 404,
  AH_ERR_CONSOLE_CONFLICT: 409,
  AH_ERR_CONSOLE_TOO_LARGE: 413,
  AH_ERR_CONSOLE_RATE_LIMITED: 429,
} as const satisfies Partial<Record<ErrorCode, number>>;

export type ConsoleErrorCode = keyof typeof STATUS;

export class ConsoleHttpError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ConsoleErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Every problem, when there are several (a refused configuration: FILE:LINE:COL lines). */
    readonly problems?: string[],
  ) {
    super(message);
    this.name = 'ConsoleHttpError';
    this.statusCode = STATUS[code];
  }
}

export const badRequest = (message: string) => new ConsoleHttpError('AH_ERR_CONSOLE_BAD_REQUEST', message);
export const notFound = (message: string) => new ConsoleHttpError('AH_ERR_CONSOLE_NOT_FOUND', message);

/** The error body every refusal has; OpenAPI names it `Error`. */
export const errorSchema = {
  type: 'object',
  required: ['error', 'code'],
  properties: { error: { type: 'string' }, code: { type: 'string' } },
} as const;

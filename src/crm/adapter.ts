// The small interface every CRM implements. The worker asks the policy whether to look the
// caller up, asks the adapter to do it, asks the policy what to do, and hands the actions
// back to the adapter. Adding a CRM means one module implementing CrmAdapter plus one entry
// in adapterRegistry.ts.
import type { AfterHoursEvent, RecordingRef } from '../events/types';
import type { CrmAction, LookupResult } from '../policy/crmPolicy';
import type { Logger } from 'pino';
import type { RetryOptions, Sleep } from '../shared/backoff';
import type { ErrorCode } from '../shared/errorCodes';
import { traceCrmStep } from './crmTiming';

export type { CrmAction, LookupResult } from '../policy/crmPolicy';

/** Remembers which steps of one event are done, so a redelivery after partial work skips them. */
export interface StepJournal {
  get(step: string): Promise<string | undefined>;
  set(step: string, value: string): Promise<void>;
}

/**
 * The journal step of an adapter that stores the voicemail in the CRM; its value is `done` once
 * the CRM holds the file. Only then may the recording leave Asterisk at once.
 */
export const RECORDING_STORED_STEP = 'record';
export const RECORDING_STORED = 'done';

/** Runs `fn` once per event and step; a later delivery gets the stored result. */
export async function once(journal: StepJournal, step: string, fn: () => Promise<string>): Promise<string> {
  const done = await journal.get(step);
  if (done !== undefined) return done;
  const value = await traceCrmStep(step, fn);
  await journal.set(step, value);
  return value;
}

export interface ApplyContext {
  journal: StepJournal;
  /** Aborted when the worker stops or the event runs out of time. */
  signal: AbortSignal;
}

export interface CrmAdapter {
  /** Short, stable name used in logs and metrics. */
  readonly name: string;
  /** Every record matching the caller; `skipped` if this CRM cannot look callers up. */
  lookupCaller(phone: string, signal: AbortSignal): Promise<LookupResult>;
  apply(event: AfterHoursEvent, actions: CrmAction[], context: ApplyContext): Promise<void>;
  /**
   * What /healthz says about this CRM beyond the worker's own state: not ready when nothing can
   * go through until an operator acts (a Bitrix24 application that needs a new authorisation).
   */
  health?(): CrmHealth;
  close?(): Promise<void>;
}

export interface CrmHealth {
  ready: boolean;
  /** Why not, and what to do, in words. */
  problem?: string;
}

/**
 * The recording's bytes, or null when it no longer exists (then nothing is attached). `close`
 * ends its connections to Asterisk: the adapter holding it calls it from its own close().
 */
export type RecordingFetcher = ((recording: RecordingRef, signal: AbortSignal) => Promise<{ filename: string; content: Buffer } | null>) & {
  close?(): void;
};

/** Worth retrying: rate limits, network failures, 5xx. */
export class TransientCrmError extends Error {
  readonly code: ErrorCode = 'AH_ERR_CRM_TRANSIENT';
  constructor(
    message: string,
    /** Server-requested wait (Retry-After), if any. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransientCrmError';
  }
}

/**
 * The CRM answered the request as a success but part of the step did not happen (Bitrix24: a
 * lead not created, a call activity not created). The step is not journalled as done: the event
 * is retried like any transient failure and dead-lettered with this message after its deliveries.
 */
export class CrmStepError extends TransientCrmError {
  constructor(message: string) {
    super(message);
    this.name = 'CrmStepError';
  }
}

/**
 * The CRM blocks a method until `until` (ms since the epoch; Bitrix24's OPERATION_TIME_LIMIT with
 * operating_reset_at, up to ten minutes). Retrying sooner cannot help, so the request is not
 * retried; the worker keeps the event and waits until then without spending a delivery.
 */
export class CrmBlockedError extends TransientCrmError {
  constructor(
    message: string,
    readonly until: number,
  ) {
    super(message);
    this.name = 'CrmBlockedError';
  }
}

/** Retrying cannot help (auth, bad request): the event goes to the dead-letter stream at once. */
export class PermanentCrmError extends Error {
  readonly code: ErrorCode = 'AH_ERR_CRM_PERMANENT';
  /** The CRM refused our credentials: nothing will work until an operator fixes them. */
  readonly auth: boolean;
  constructor(message: string, options?: { cause?: unknown; auth?: boolean }) {
    super(message, options);
    this.name = 'PermanentCrmError';
    this.auth = options?.auth ?? false;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** The retry settings every HTTP adapter takes. */
export interface CrmRetrySettings {
  logger?: Logger;
  /** Retries of one request on rate limits, network errors and 5xx. */
  retries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  sleep?: Sleep;
  random?: () => number;
}

/**
 * One retry policy for every CRM adapter: transient errors (rate limits, network, 5xx) back
 * off exponentially, honouring a server's Retry-After; anything else fails at once.
 */
export function crmRetryOptions(
  o: CrmRetrySettings,
  signal: AbortSignal | undefined,
  what: string,
  logFields: Record<string, unknown> = {},
): RetryOptions {
  return {
    retries: o.retries ?? 5,
    baseMs: o.backoffBaseMs ?? 1000,
    maxMs: o.backoffMaxMs ?? 30_000,
    random: o.random,
    sleep: o.sleep,
    signal,
    shouldRetry: (err) => err instanceof TransientCrmError && !(err instanceof CrmBlockedError),
    minDelayMs: (err) => (err instanceof TransientCrmError ? err.retryAfterMs : undefined),
    onRetry: (err, attempt, delayMs) => o.logger?.warn({ ...logFields, attempt: attempt + 1, delayMs, err }, `${what} failed; retrying`),
  };
}

// The one retry/backoff helper: exponential with "equal jitter" (half the delay fixed, half
// random), so retries never bunch up yet never fire immediately. Clock and randomness are
// injected so tests run without waiting.

export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  baseMs: number;
  /** Cap on any single delay. */
  maxMs: number;
  /** Growth per attempt; default 2. */
  factor?: number;
  /** Returns [0, 1); default Math.random. */
  random?: () => number;
}

/** Delay before retry number `attempt` (0 = first retry). */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const factor = opts.factor ?? 2;
  const random = opts.random ?? Math.random;
  const ceiling = Math.min(opts.maxMs, opts.baseMs * Math.pow(factor, Math.max(0, attempt)));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Resolves after `ms`; rejects with the signal's reason when aborted first. */
export const sleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

export interface RetryOptions extends BackoffOptions {
  /** Retries after the first attempt; 0 means try once. */
  retries: number;
  /** Whether an error is worth another attempt. */
  shouldRetry: (err: unknown, attempt: number) => boolean;
  /** A server-requested minimum wait (Retry-After), if the error carries one. */
  minDelayMs?: (err: unknown) => number | undefined;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  sleep?: Sleep;
  signal?: AbortSignal;
}

/** Runs `fn` until it succeeds, a non-retryable error, or the retries are used up (the last error is thrown). */
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const doSleep = opts.sleep ?? sleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      if (attempt >= opts.retries || !opts.shouldRetry(err, attempt)) throw err;
      const delay = Math.min(opts.maxMs, Math.max(backoffDelay(attempt, opts), opts.minDelayMs?.(err) ?? 0));
      opts.onRetry?.(err, attempt, delay);
      await doSleep(delay, opts.signal);
    }
  }
}

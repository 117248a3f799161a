import { sleep as realSleep, type Sleep } from '../shared/backoff';

export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Bucket size: how many requests may go at once after a quiet spell. */
  burst: number;
  now?: () => number;
  sleep?: Sleep;
}

/** Keeps requests under a rate. Callers queue in order; each `take` waits for one token. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly sleep: Sleep;

  constructor(private readonly opts: TokenBucketOptions) {
    if (!(opts.ratePerSecond > 0) || !(opts.burst >= 1)) throw new RangeError('token bucket needs ratePerSecond > 0 and burst >= 1');
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
    this.tokens = opts.burst;
    this.last = this.now();
  }

  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.takeNow(signal));
    // A rejected (aborted) take must not block the ones behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async takeNow(signal?: AbortSignal): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.sleep(Math.ceil(((1 - this.tokens) * 1000) / this.opts.ratePerSecond), signal);
    }
  }

  private refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.opts.burst, this.tokens + (elapsed * this.opts.ratePerSecond) / 1000);
  }
}

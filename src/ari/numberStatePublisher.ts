import type { Logger } from 'pino';
import type { CompiledSchedule } from '../schedule/compile';
import type { Overrides } from '../schedule/types';

// Something each number has in Asterisk that follows its schedule (the lamp's device state,
// the open fast path's "open until"), kept published by one timer: at start, after every
// override or configuration change, when ARI (re)connects (`force`: Asterisk may have lost
// it), and at every scheduled open/close. The timer waits for the earliest `nextChange` of
// all numbers, re-armed from the clock each time it fires and never longer than `maxDelayMs`,
// so a long sleep or a clock jump is corrected on the next wake. Publishing is idempotent, so
// several daemons publishing the same state is harmless.

/** What a publisher needs of the number directory (a NumberDirectory of the compiled config). */
export interface PublisherDirectory<N = { did: string }> {
  config: { numbers: ReadonlyArray<{ did: string }> };
  get(did: string): { number: N; schedule: CompiledSchedule } | undefined;
}

export interface NumberStatePublisherDeps<S, N = { did: string }> {
  /** For log lines: "lamp", "fast path". */
  name: string;
  directory: () => PublisherDirectory<N> | undefined;
  overrides: () => ReadonlyMap<string, Overrides>;
  /** The state to publish for a number at `now`, and when it may next change (null: not within the horizon). */
  stateAt: (entry: { number: N; schedule: CompiledSchedule }, overrides: Overrides, now: number) => { state: S; nextChange: number | null };
  /** Publishes a state; `undefined`: the number left the configuration. */
  publish: (did: string, state: S | undefined) => Promise<void>;
  now: () => number;
  log: Logger;
  /** The longest the timer waits (default one hour); setTimeout itself overflows past ~24.8 days. */
  maxDelayMs?: number;
  /** After a failed publication, try again this soon (default 10 s). */
  retryMs?: number;
  /** Publications in flight at once (default 8). */
  concurrency?: number;
}

/** How long to wait for the earliest change at `now`: at least `minMs`, at most `maxMs`. */
export function publishDelay(earliest: number | null, now: number, maxMs: number, minMs = 0): number {
  if (earliest === null) return maxMs;
  // A little past the change, so the decision read then is already the new one.
  return Math.min(maxMs, Math.max(minMs, earliest - now + 50));
}

export class NumberStatePublisher<S, N = { did: string }> {
  /** What this daemon last published successfully, per DID. */
  private readonly published = new Map<string, S>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private pending: { force: boolean } | undefined;
  /** Settles when the coalesced run after the current one has finished. */
  private queued: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: NumberStatePublisherDeps<S, N>) {}

  /**
   * Recomputes every number's state and publishes the ones that changed (all of them with
   * `force`, e.g. after ARI reconnects), then re-arms the timer. Calls while one runs are
   * coalesced into one more run; the promise settles once a run that started after the
   * call has finished (whether every publication succeeded or not).
   */
  refresh(force = false): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.pending = { force: force || (this.pending?.force ?? false) };
      // By then the finally below has started the pending run (or the publisher was stopped).
      return (this.queued ??= this.running.then(() => this.running));
    }
    this.running = this.run(force).finally(() => {
      this.running = undefined;
      this.queued = undefined;
      const next = this.pending;
      this.pending = undefined;
      if (next && !this.stopped) void this.refresh(next.force);
    });
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The state last published for a DID (for tests and health). */
  stateOf(did: string): S | undefined {
    return this.published.get(did);
  }

  private async run(force: boolean): Promise<void> {
    const { deps } = this;
    const dir = deps.directory();
    if (!dir) return;
    const overrides = deps.overrides();
    const now = deps.now();
    let earliest: number | null = null;
    const changes: Array<[string, S | undefined]> = [];
    const seen = new Set<string>();
    let i = 0;
    for (const { did } of dir.config.numbers) {
      // Long configurations: let calls through between slices.
      if (++i % 2000 === 0) await new Promise((r) => setImmediate(r));
      const entry = dir.get(did);
      if (!entry) continue;
      seen.add(did);
      let s;
      try {
        s = deps.stateAt(entry, overrides.get(did), now);
      } catch (err) {
        deps.log.warn({ err, did }, `${deps.name}: could not decide; left as it was`);
        continue;
      }
      if (s.nextChange !== null && (earliest === null || s.nextChange < earliest)) earliest = s.nextChange;
      if (force || !this.published.has(did) || this.published.get(did) !== s.state) changes.push([did, s.state]);
    }
    // Numbers no longer configured.
    for (const did of [...this.published.keys()]) if (!seen.has(did)) changes.push([did, undefined]);
    const failed = await this.publish(changes);
    if (this.stopped) return;
    this.arm(failed > 0 ? Math.min(earliest ?? Infinity, now + (deps.retryMs ?? 10_000)) : earliest);
  }

  /** Publishes the changes, a few at a time; returns how many failed (they are retried later). */
  private async publish(changes: Array<[string, S | undefined]>): Promise<number> {
    const { deps } = this;
    let failed = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < changes.length && !this.stopped) {
        const [did, state] = changes[next++]!;
        try {
          await deps.publish(did, state);
          if (state === undefined) this.published.delete(did);
          else this.published.set(did, state);
        } catch (err) {
          this.published.delete(did);
          if (failed++ === 0) deps.log.warn({ err, did, state }, `${deps.name}: could not publish; will retry`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(deps.concurrency ?? 8, changes.length) }, worker));
    if (changes.length > 0) deps.log.debug({ published: changes.length - failed, failed }, `${deps.name}: published`);
    return failed;
  }

  private arm(earliest: number | null): void {
    if (this.timer) clearTimeout(this.timer);
    const delay = publishDelay(earliest, this.deps.now(), this.deps.maxDelayMs ?? 3_600_000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh(false);
    }, delay);
    this.timer.unref();
  }
}

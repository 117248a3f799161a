import type { Logger } from 'pino';
import type { CompiledSchedule } from '../schedule/compile';
import { decide } from '../schedule/decide';
import type { Overrides } from '../schedule/types';
import type { AriDeviceState, AriRest } from './rest';

// The lamp: each number's open/closed state published as an Asterisk device state that ARI
// controls (`Stasis:<app>-<DID digits>`), so a BLF key whose dialplan hint names it lights
// while the number is closed. Published at start, after every override or configuration
// change, when ARI (re)connects, and at every scheduled open/close: one timer for the
// earliest `nextChange` of all numbers, re-armed from the clock each time it fires and never
// longer than `maxDelayMs`, so a long sleep or a clock jump is corrected on the next wake.
// Several daemons publishing the same state is harmless: a PUT is idempotent.

/** What the lamp needs of the number directory (a NumberDirectory of the compiled config). */
export interface LampDirectory {
  config: { numbers: ReadonlyArray<{ did: string }> };
  get(did: string): { schedule: CompiledSchedule } | undefined;
}

export interface DeviceStateLampDeps {
  rest: Pick<AriRest, 'setDeviceState'>;
  /** The Stasis app name: devices are `Stasis:<app>-<DID digits>`. */
  app: string;
  directory: () => LampDirectory | undefined;
  overrides: () => ReadonlyMap<string, Overrides>;
  now: () => number;
  log: Logger;
  /** The longest the timer waits (default one hour); setTimeout itself overflows past ~24.8 days. */
  maxDelayMs?: number;
  /** After a failed publication, try again this soon (default 10 s). */
  retryMs?: number;
  /** PUTs in flight at once (default 8). */
  concurrency?: number;
}

/** The device a number's lamp is: `Stasis:after-hours-48221234567` for +48221234567. */
export function lampDevice(app: string, did: string): string {
  return `Stasis:${app}-${did.replace(/\D/g, '')}`;
}

/** Closed lights the key (in use); open leaves it dark (not in use). */
export function lampState(open: boolean): AriDeviceState {
  return open ? 'NOT_INUSE' : 'INUSE';
}

/** How long to wait for the earliest change at `now`: at least `minMs`, at most `maxMs`. */
export function lampDelay(earliest: number | null, now: number, maxMs: number, minMs = 0): number {
  if (earliest === null) return maxMs;
  // A little past the change, so the decision read then is already the new one.
  return Math.min(maxMs, Math.max(minMs, earliest - now + 50));
}

export class DeviceStateLamp {
  /** What this daemon last published successfully, per DID. */
  private readonly published = new Map<string, AriDeviceState>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private pending: { force: boolean } | undefined;
  private stopped = false;

  constructor(private readonly deps: DeviceStateLampDeps) {}

  /**
   * Recomputes every number's state and publishes the ones that changed (all of them with
   * `force`, e.g. after ARI reconnects), then re-arms the timer. Calls while one runs are
   * coalesced into one more run.
   */
  refresh(force = false): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.pending = { force: force || (this.pending?.force ?? false) };
      return this.running;
    }
    this.running = this.run(force).finally(() => {
      this.running = undefined;
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
  stateOf(did: string): AriDeviceState | undefined {
    return this.published.get(did);
  }

  private async run(force: boolean): Promise<void> {
    const { deps } = this;
    const dir = deps.directory();
    if (!dir) return;
    const overrides = deps.overrides();
    const now = deps.now();
    let earliest: number | null = null;
    const changes: Array<[string, AriDeviceState]> = [];
    const seen = new Set<string>();
    let i = 0;
    for (const { did } of dir.config.numbers) {
      // Long configurations: let calls through between slices.
      if (++i % 2000 === 0) await new Promise((r) => setImmediate(r));
      const entry = dir.get(did);
      if (!entry) continue;
      seen.add(did);
      let d;
      try {
        d = decide(entry.schedule, overrides.get(did), now);
      } catch (err) {
        deps.log.warn({ err, did }, 'lamp: could not decide; left as it was');
        continue;
      }
      if (d.nextChange !== null && (earliest === null || d.nextChange < earliest)) earliest = d.nextChange;
      const state = lampState(d.open);
      if (force || this.published.get(did) !== state) changes.push([did, state]);
    }
    // Numbers no longer configured: their key goes unavailable rather than showing a stale state.
    for (const did of [...this.published.keys()]) if (!seen.has(did)) changes.push([did, 'UNAVAILABLE']);
    const failed = await this.publish(changes);
    if (this.stopped) return;
    this.arm(failed > 0 ? Math.min(earliest ?? Infinity, now + (deps.retryMs ?? 10_000)) : earliest);
  }

  /** PUTs the changes, a few at a time; returns how many failed (they are retried later). */
  private async publish(changes: Array<[string, AriDeviceState]>): Promise<number> {
    const { deps } = this;
    let failed = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < changes.length && !this.stopped) {
        const [did, state] = changes[next++]!;
        try {
          await deps.rest.setDeviceState(lampDevice(deps.app, did), state);
          if (state === 'UNAVAILABLE') this.published.delete(did);
          else this.published.set(did, state);
        } catch (err) {
          this.published.delete(did);
          if (failed++ === 0) deps.log.warn({ err, did, state }, 'lamp: could not publish the device state; will retry');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(deps.concurrency ?? 8, changes.length) }, worker));
    if (changes.length > 0) deps.log.debug({ published: changes.length - failed, failed }, 'lamp: device states published');
    return failed;
  }

  private arm(earliest: number | null): void {
    if (this.timer) clearTimeout(this.timer);
    const delay = lampDelay(earliest, this.deps.now(), this.deps.maxDelayMs ?? 3_600_000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh(false);
    }, delay);
    this.timer.unref();
  }
}

import type { Logger } from 'pino';
import { decide } from '../schedule/decide';
import type { Overrides } from '../schedule/types';
import { NumberStatePublisher, publishDelay, type PublisherDirectory } from './numberStatePublisher';
import type { AriDeviceState, AriRest } from './rest';

// The lamp: each number's open/closed state published as an Asterisk device state that ARI
// controls (`Stasis:<app>-<DID digits>`), so a BLF key whose dialplan hint names it lights
// while the number is closed. Kept published by a NumberStatePublisher (at start, after every
// override or configuration change, when ARI (re)connects, at every scheduled open/close).
// Several daemons publishing the same state is harmless: a PUT is idempotent.

/** What the lamp needs of the number directory (a NumberDirectory of the compiled config). */
export type LampDirectory = PublisherDirectory<unknown>;

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

/** How long the lamp waits for the earliest change (the publisher's delay). */
export const lampDelay = publishDelay;

/**
 * The lamps of every number: a NumberStatePublisher whose state is the device state, and
 * whose "number removed" is UNAVAILABLE (the key shows no stale state).
 */
export class DeviceStateLamp {
  private readonly publisher: NumberStatePublisher<AriDeviceState, unknown>;

  constructor(deps: DeviceStateLampDeps) {
    this.publisher = new NumberStatePublisher<AriDeviceState, unknown>({
      ...deps,
      name: 'lamp',
      stateAt: (entry, overrides, now) => {
        const d = decide(entry.schedule, overrides, now);
        return { state: lampState(d.open), nextChange: d.nextChange };
      },
      publish: (did, state) => deps.rest.setDeviceState(lampDevice(deps.app, did), state ?? 'UNAVAILABLE'),
    });
  }

  /** Publishes the lamps that changed (all with `force`), then re-arms the timer; see NumberStatePublisher. */
  refresh(force = false): Promise<void> {
    return this.publisher.refresh(force);
  }

  stop(): void {
    this.publisher.stop();
  }

  /** The state last published for a DID (for tests and health). */
  stateOf(did: string): AriDeviceState | undefined {
    return this.publisher.stateOf(did);
  }
}

import type { Logger } from 'pino';
import type { Overrides } from '../schedule/types';
import { openUntil, type FastPathNumber } from '../policy/openUntil';
import { NumberStatePublisher, type PublisherDirectory } from './numberStatePublisher';
import type { AriRest } from './rest';

// The open fast path's publisher: each open number's "open until T" (epoch seconds, see
// src/policy/openUntil.ts) as an Asterisk global variable, AH_OPEN_<app>_<DID digits>, which
// the dialplan reads before Stasis: a number > ${EPOCH} goes straight to normal routing.
//
// Why global variables (POST /asterisk/variable) and not AstDB:
// - the dialplan reads a global as `${NAME}`, in memory; `${DB(...)}` is an SQLite query
//   under AstDB's lock, and every AstDB write goes to disk;
// - withdrawing is the same request without a value (the variable is removed); AstDB has no
//   ARI resource, and DB_DELETE is a read function ARI's variable API cannot call;
// - Asterisk forgets globals when it restarts, which is safe: a missing entry means "ask the
//   daemon", and the daemon republishes on every ARI (re)connect. An AstDB entry outlives a
//   restart and any override made meanwhile (bounded by T, but still a stale promise).
// (`dialplan reload` keeps globals while extensions.conf has clearglobalvars=no, Asterisk's
// default; with yes, a reload empties them: calls ask the daemon until the next republish.)
//
// Published at start, on every ARI (re)connect (force: all of them), at every scheduled flip,
// and after every configuration push or override change; withdrawn (variable removed) when
// the number closes, gets callers.block or fastPath: false, or leaves the configuration.
// Several daemons on one Asterisk compute the same T from the same configuration and
// overrides, and setting a global to the value it has is harmless.

/** The Asterisk-safe form of an app name inside a variable name. */
function appToken(app: string): string {
  return app.replace(/[^A-Za-z0-9]/g, '_');
}

/** The global variable of a number: `AH_OPEN_after_hours_48221234567` for app after-hours, +48221234567. */
export function fastPathVariable(app: string, did: string): string {
  return `AH_OPEN_${appToken(app)}_${did.replace(/\D/g, '')}`;
}

/** The same variable as the dialplan names it for the dialled number (${EXTEN}, with or without "+"). */
export function fastPathDialplanVariable(app: string, exten = '${EXTEN}'): string {
  return `AH_OPEN_${appToken(app)}_\${FILTER(0-9,${exten})}`;
}

export interface OpenFastPathDeps {
  rest: Pick<AriRest, 'setGlobalVariable'>;
  app: string;
  /** Off (OPEN_FAST_PATH=off): every entry is withdrawn and none published. */
  enabled: boolean;
  directory: () => PublisherDirectory<FastPathNumber> | undefined;
  overrides: () => ReadonlyMap<string, Overrides>;
  now: () => number;
  log: Logger;
  maxDelayMs?: number;
  retryMs?: number;
  concurrency?: number;
}

/** T as published: the epoch seconds as a string, or null for "no entry" (removed). */
export type PublishedOpenUntil = string | null;

export class OpenFastPath {
  private readonly publisher: NumberStatePublisher<PublishedOpenUntil, FastPathNumber>;

  constructor(deps: OpenFastPathDeps) {
    this.publisher = new NumberStatePublisher<PublishedOpenUntil, FastPathNumber>({
      ...deps,
      name: 'fast path',
      stateAt: (entry, overrides, now) => {
        const o = openUntil(entry.number, entry.schedule, overrides, now, deps.enabled);
        return { state: o.until === null ? null : String(o.until), nextChange: o.nextChange };
      },
      publish: (did, state) => deps.rest.setGlobalVariable(fastPathVariable(deps.app, did), state ?? undefined),
    });
  }

  /** Publishes what changed (everything with `force`: Asterisk may have restarted), then re-arms the timer. */
  refresh(force = false): Promise<void> {
    return this.publisher.refresh(force);
  }

  stop(): void {
    this.publisher.stop();
  }

  /** What this daemon last published for a DID: T as a string, null (removed), undefined (not yet). */
  stateOf(did: string): PublishedOpenUntil | undefined {
    return this.publisher.stateOf(did);
  }
}

import type { Language } from '../policy/callEvent';
import type { AriChannel, CallSignal } from './ariEvents';

// One inbound call while the daemon handles it: what it is waiting for, and every ARI
// resource it created, so that whatever way the call ends, all of it is released.

interface Waiter {
  accept: (s: CallSignal) => boolean;
  resolve: (s: CallSignal | undefined) => void;
  timer: NodeJS.Timeout;
}

export class CallSession {
  readonly startedAt: number;
  readonly playbacks = new Set<string>();
  readonly recordings = new Set<string>();
  readonly bridges = new Set<string>();
  /** Channels this call created (forward legs). */
  readonly peers = new Set<string>();
  private readonly waiters = new Set<Waiter>();
  /** Signals nobody waited for yet (a recording that finished while we were busy). */
  private readonly backlog: CallSignal[] = [];
  private callerGone = false;
  private seq = 0;

  constructor(
    readonly id: string,
    readonly channel: AriChannel,
    readonly did: string,
    readonly caller: string,
    now: number,
    /** The number's language: which shipped sounds the call hears. */
    readonly language: Language = 'en',
  ) {
    this.startedAt = now;
  }

  get hungUp(): boolean {
    return this.callerGone;
  }

  /** A fresh id for a playback, recording, bridge or leg of this call. */
  nextId(kind: string): string {
    return `${this.id}-${kind}-${++this.seq}`;
  }

  deliver(signal: CallSignal): void {
    if (signal.kind === 'hangup') this.callerGone = true;
    for (const w of this.waiters) {
      if (w.accept(signal)) {
        this.waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(signal);
        return;
      }
    }
    if (signal.kind !== 'hangup') this.backlog.push(signal);
  }

  /**
   * The first signal `accept` takes, or undefined after `timeoutMs`. Unless `ignoreHangup`,
   * the caller hanging up ends every wait with a `hangup` signal.
   */
  waitFor(accept: (s: CallSignal) => boolean, timeoutMs: number, ignoreHangup = false): Promise<CallSignal | undefined> {
    const i = this.backlog.findIndex(accept);
    if (i >= 0) return Promise.resolve(this.backlog.splice(i, 1)[0]);
    if (this.callerGone && !ignoreHangup) return Promise.resolve({ kind: 'hangup' });
    const take = (s: CallSignal) => (!ignoreHangup && s.kind === 'hangup') || accept(s);
    return new Promise((resolve) => {
      const w: Waiter = {
        accept: take,
        resolve,
        timer: setTimeout(() => {
          this.waiters.delete(w);
          resolve(undefined);
        }, timeoutMs),
      };
      this.waiters.add(w);
    });
  }

  /** Whether a wait in progress would take this signal. */
  isWaitingFor(signal: CallSignal): boolean {
    for (const w of this.waiters) if (w.accept(signal)) return true;
    return false;
  }

  /** Ends every wait (used when the session is torn down). */
  cancelWaits(): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve({ kind: 'hangup' });
    }
    this.waiters.clear();
    this.backlog.length = 0;
  }
}

// Watches the stack's Asterisk from the side: a WebSocket to ARI's events for an app of its
// own with subscribeAll, so it sees every channel's events (PlaybackStarted/Finished of calls in
// the daemon's app too) whatever happens to the daemon's connection. Tests wait on these events
// instead of sleeping for a sound's length.
import WebSocket from 'ws';
import { ariPassword, ariPort, ariUser } from './stackEnv';

export interface AriEvent {
  type: string;
  [key: string]: unknown;
}

export interface AriObserver {
  /** Every event seen so far, oldest first. */
  events: AriEvent[];
  /** The first event (seen already or to come) for which `match` holds; rejects after timeoutMs. */
  waitFor(match: (e: AriEvent) => boolean, timeoutMs?: number): Promise<AriEvent>;
  close(): Promise<void>;
}

export async function observeAri(port = ariPort): Promise<AriObserver> {
  const app = `observer-${process.pid}-${Date.now()}`;
  const url =
    `ws://127.0.0.1:${port}/ari/events?app=${encodeURIComponent(app)}&subscribeAll=true` +
    `&api_key=${encodeURIComponent(`${ariUser}:${ariPassword}`)}`;
  const ws = new WebSocket(url);
  const events: AriEvent[] = [];
  const waiters = new Set<{ match: (e: AriEvent) => boolean; resolve: (e: AriEvent) => void }>();
  ws.on('message', (data) => {
    const e = JSON.parse(String(data)) as AriEvent;
    events.push(e);
    for (const w of waiters)
      if (w.match(e)) {
        waiters.delete(w);
        w.resolve(e);
      }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    events,
    waitFor(match, timeoutMs = 15_000) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = {
          match,
          resolve: (e: AriEvent) => {
            clearTimeout(timer);
            resolve(e);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`no matching ARI event within ${timeoutMs} ms (seen: ${events.map((e) => e.type).join(', ')})`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
}

/** A PlaybackStarted/PlaybackFinished whose media is `media` (e.g. "sound:/abs/path" without the extension). */
export const playbackOf =
  (type: 'PlaybackStarted' | 'PlaybackFinished', mediaContains: string) =>
  (e: AriEvent): boolean =>
    e.type === type && String((e.playback as { media_uri?: string } | undefined)?.media_uri ?? '').includes(mediaContains);

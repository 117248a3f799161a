import { EventEmitter } from 'node:events';
import ari from 'ari-client';
import type { Logger } from 'pino';
import { backoffDelay } from '../util/backoff';
import type { ChannelEvent, DialEvent, PlaybackEvent, RecordingEvent, StasisStartEvent } from './events';

// The ARI websocket: ari-client for events, kept alive forever. ari-client alone gives up
// after ten reconnects (~43 s) and never pings; this wrapper pings, reconnects with backoff
// and jitter without limit (a new client each time), and reports `ApplicationReplaced`.

export type AriState = 'connecting' | 'registered' | 'replaced' | 'stopped';

export interface AriConnectionOptions {
  url: string;
  user: string;
  password: string;
  app: string;
  log: Logger;
  heartbeatMs?: number;
}

type Client = Awaited<ReturnType<typeof ari.connect>>;

/** Events out: 'StasisStart', 'ChannelGone', 'PlaybackFinished', 'Recording', 'Dial', 'state'. */
export class AriConnection extends EventEmitter {
  private client: Client | undefined;
  private stateValue: AriState = 'connecting';
  private stopped = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private awaitingPong = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: AriConnectionOptions) {
    super();
  }

  get state(): AriState {
    return this.stateValue;
  }

  start(): void {
    void this.connect();
  }

  /** Listeners on the ari-client instance: constant after start, whatever the call count. */
  ariListenerCount(): number {
    const c = this.client as unknown as EventEmitter | undefined;
    if (!c) return 0;
    return c.eventNames().reduce((n, name) => n + c.listenerCount(name), 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.setState('stopped');
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.dropClient();
  }

  private setState(s: AriState): void {
    if (this.stateValue === s) return;
    this.stateValue = s;
    this.opts.log.info({ ari: s }, `ARI ${s}`);
    this.emit('state', s);
  }

  private scheduleReconnect(why: string): void {
    if (this.stopped || this.reconnectTimer) return;
    this.setState('connecting');
    const delay = backoffDelay(Math.min(this.attempt++, 8), { baseMs: 250, maxMs: 10_000 });
    this.opts.log.warn({ why, retryInMs: delay }, 'ARI connection lost; reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
  }

  private dropClient(): void {
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    const emitter = c as unknown as EventEmitter & { stop(): void; _ws?: { terminate?: () => void } };
    emitter.removeAllListeners();
    emitter.on('error', () => undefined);
    try {
      emitter.stop();
      // close() waits for a closing handshake a dead peer never sends; terminate does not.
      emitter._ws?.terminate?.();
    } catch {
      // Already closed.
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.dropClient();
    let client: Client;
    try {
      client = await ari.connect(this.opts.url, this.opts.user, this.opts.password);
    } catch (err) {
      this.scheduleReconnect(`connect failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (this.stopped) return;
    this.client = client;
    this.wire(client);
    try {
      await client.start(this.opts.app);
    } catch (err) {
      if (this.client === client) this.scheduleReconnect(`start failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (this.client !== client) return;
    this.attempt = 0;
    this.setState('registered');
    this.startHeartbeat(client);
  }

  private wire(client: Client): void {
    const on = (name: string, fn: (e: never) => void) => (client as unknown as EventEmitter).on(name, fn as (...a: unknown[]) => void);
    on('StasisStart', (e: StasisStartEvent) => this.emit('StasisStart', e));
    const gone = (e: ChannelEvent) => this.emit('ChannelGone', e);
    on('StasisEnd', gone);
    on('ChannelDestroyed', gone);
    on('ChannelHangupRequest', gone);
    on('PlaybackFinished', (e: PlaybackEvent) => this.emit('PlaybackFinished', e));
    on('RecordingFinished', (e: RecordingEvent) => this.emit('Recording', e));
    on('RecordingFailed', (e: RecordingEvent) => this.emit('Recording', e));
    on('Dial', (e: DialEvent) => this.emit('Dial', e));
    on('pong', () => {
      this.awaitingPong = false;
    });
    on('WebSocketReconnecting', () => this.setState('connecting'));
    on('WebSocketConnected', () => {
      if (this.client === client && this.stateValue !== 'replaced') this.setState('registered');
    });
    on('WebSocketMaxRetries', () => {
      if (this.client === client) this.scheduleReconnect('ari-client gave up reconnecting');
    });
    on('ApplicationReplaced', () => {
      // Another connection took this app name. Fighting over it would flap both daemons;
      // stay out, report unhealthy, and let operations fix the duplicate.
      this.opts.log.error({ app: this.opts.app }, 'ARI application replaced by another connection');
      this.setState('replaced');
    });
    on('error', (err: Error) => this.opts.log.warn({ err: err.message }, 'ARI client error'));
  }

  private startHeartbeat(client: Client): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.awaitingPong = false;
    const every = this.opts.heartbeatMs ?? 5000;
    this.heartbeat = setInterval(() => {
      if (this.client !== client) return;
      if (this.awaitingPong) {
        // No pong since the last ping: the socket is dead even if TCP has not noticed.
        if (this.heartbeat) clearInterval(this.heartbeat);
        this.heartbeat = undefined;
        this.scheduleReconnect('heartbeat: no pong');
        this.dropClient();
        return;
      }
      this.awaitingPong = true;
      try {
        client.ping();
      } catch {
        // Reported by the next missed pong.
      }
    }, every);
    this.heartbeat.unref();
  }
}

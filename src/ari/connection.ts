import { EventEmitter } from 'node:events';
import { Agent as HttpsAgent } from 'node:https';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { backoffDelay } from '../shared/backoff';
import { isCertificateError, resolveAriAccess, type AriAccess, type AriTarget } from '../ariHttp/endpoint';
import type { ChannelEvent, DialEvent, PlaybackEvent, RecordingEvent, StasisStartEvent } from '../call/ariEvents';

// The ARI websocket, kept alive forever: it pings, reconnects with backoff and jitter without
// limit (a new socket each time), and reports `ApplicationReplaced`.
//
// It speaks to /ari/events with `ws` itself rather than through ari-client: ari-client builds
// its URLs from the scheme and host alone (a reverse-proxy prefix is dropped), gives `ws` and
// its swagger loader no TLS options (no private CA), loads the whole API description before
// every connect, and gives up after ten reconnects (~43 s). The daemon needs none of its REST
// side (src/ari/rest.ts does that), only the events, which arrive as JSON objects.

export type AriState = 'connecting' | 'registered' | 'replaced' | 'stopped';

export interface AriConnectionOptions extends AriAccess {
  app: string;
  log: Logger;
  heartbeatMs?: number;
}

/** Events out: 'StasisStart', 'ChannelGone', 'PlaybackFinished', 'Recording', 'Dial', 'state'. */
export class AriConnection extends EventEmitter {
  private socket: WebSocket | undefined;
  private stateValue: AriState = 'connecting';
  private stopped = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private awaitingPong = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly target: AriTarget;
  private readonly agent: HttpsAgent | undefined;

  constructor(private readonly opts: AriConnectionOptions) {
    super();
    this.target = resolveAriAccess(opts);
    // An agent of our own for wss: it carries the CA and leaves SNI out for an IP address.
    this.agent = this.target.tls ? new HttpsAgent({ keepAlive: false, ...this.target.tls }) : undefined;
  }

  get state(): AriState {
    return this.stateValue;
  }

  start(): void {
    this.connect();
  }

  /** Listeners on the websocket: constant after start, whatever the call count. */
  ariListenerCount(): number {
    const s = this.socket;
    if (!s) return 0;
    return s.eventNames().reduce((n, name) => n + s.listenerCount(String(name)), 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.setState('stopped');
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.dropSocket();
    this.agent?.destroy();
  }

  private setState(s: AriState): void {
    if (this.stateValue === s) return;
    this.stateValue = s;
    this.opts.log.info({ ari: s }, `ARI ${s}`);
    this.emit('state', s);
  }

  private scheduleReconnect(why: string, err?: Error): void {
    if (this.stopped || this.reconnectTimer) return;
    this.setState('connecting');
    const delay = backoffDelay(Math.min(this.attempt++, 8), { baseMs: 250, maxMs: 10_000 });
    if (err && isCertificateError(err)) {
      // Not a network fault: retrying will not help until the CA (ARI_CA_FILE) or the
      // server's certificate changes. Said at error level with the TLS code.
      this.opts.log.error(
        { err, url: this.target.endpoint.eventsUrl, retryInMs: delay },
        `ARI certificate not trusted (${(err as NodeJS.ErrnoException).code}): check ARI_CA_FILE and the certificate's names; reconnecting`,
      );
    } else {
      this.opts.log.warn({ why, err, retryInMs: delay }, 'ARI connection lost; reconnecting');
    }
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }

  private dropSocket(): void {
    const s = this.socket;
    this.socket = undefined;
    if (!s) return;
    s.removeAllListeners();
    s.on('error', () => undefined);
    // close() waits for a closing handshake a dead peer never sends; terminate does not.
    try {
      s.terminate();
    } catch {
      // Already closed.
    }
  }

  private connect(): void {
    if (this.stopped) return;
    this.dropSocket();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const { endpoint, auth, tls } = this.target;
    let socket: WebSocket;
    try {
      socket = new WebSocket(`${endpoint.eventsUrl}?app=${encodeURIComponent(this.opts.app)}`, {
        headers: { Authorization: auth },
        handshakeTimeout: 10_000,
        perMessageDeflate: false,
        ...(tls ? { ...tls, agent: this.agent } : {}),
      });
    } catch (err) {
      this.scheduleReconnect('connect failed', err as Error);
      return;
    }
    this.socket = socket;
    socket.on('open', () => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.setState('registered');
      this.startHeartbeat(socket);
    });
    socket.on('message', (data) => this.dispatch(data));
    socket.on('pong', () => {
      this.awaitingPong = false;
    });
    socket.on('error', (err) => {
      if (this.socket !== socket) return;
      this.dropSocket();
      this.scheduleReconnect('websocket error', err);
    });
    socket.on('close', (code, reason) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      // Replaced: another connection holds the app name; reconnecting would take it back
      // and flap both daemons. Stay out (unhealthy) until someone fixes the duplicate.
      if (this.stateValue === 'replaced') return;
      this.scheduleReconnect(`websocket closed (${code}${reason ? ` ${reason}` : ''})`);
    });
  }

  private dispatch(data: WebSocket.RawData): void {
    let e: { type?: unknown };
    try {
      e = JSON.parse(data.toString()) as { type?: unknown };
    } catch (err) {
      this.opts.log.warn({ err }, 'ARI sent an event that is not JSON');
      return;
    }
    switch (e.type) {
      case 'StasisStart':
        this.emit('StasisStart', e as StasisStartEvent);
        return;
      case 'StasisEnd':
      case 'ChannelDestroyed':
      case 'ChannelHangupRequest':
        this.emit('ChannelGone', e as ChannelEvent);
        return;
      case 'PlaybackFinished':
        this.emit('PlaybackFinished', e as PlaybackEvent);
        return;
      case 'RecordingFinished':
      case 'RecordingFailed':
        this.emit('Recording', e as RecordingEvent);
        return;
      case 'Dial':
        this.emit('Dial', e as DialEvent);
        return;
      case 'ApplicationReplaced':
        // Another connection took this app name. Fighting over it would flap both daemons;
        // stay out, report unhealthy, and let operations fix the duplicate.
        this.opts.log.error({ app: this.opts.app }, 'ARI application replaced by another connection');
        this.setState('replaced');
        return;
      default:
        return;
    }
  }

  private startHeartbeat(socket: WebSocket): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.awaitingPong = false;
    const every = this.opts.heartbeatMs ?? 5000;
    this.heartbeat = setInterval(() => {
      if (this.socket !== socket) return;
      if (this.awaitingPong) {
        // No pong since the last ping: the socket is dead even if TCP has not noticed.
        if (this.heartbeat) clearInterval(this.heartbeat);
        this.heartbeat = undefined;
        this.dropSocket();
        this.scheduleReconnect('heartbeat: no pong');
        return;
      }
      this.awaitingPong = true;
      try {
        socket.ping();
      } catch {
        // Reported by the next missed pong.
      }
    }, every);
    this.heartbeat.unref();
  }
}

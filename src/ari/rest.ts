import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { HangupCause } from '../config/types';
import { resolveAriAccess, type AriAccess, type AriTarget } from './endpoint';
import type { ErrorCode } from '../shared/errorCodes';
import type { AriChannel } from './ariEvents';
import type { ARI_REST_CLIENTS } from '../settings/declaration';

// ARI's REST calls over our own keep-alive connections. ari-client (request + swagger-client)
// opens new TCP connections under load and loses the HTTP status of errors; the calls a
// call handler makes are few and simple, so they go here, typed.
//
// Two transports do the same requests (ARI_REST_CLIENT picks one; bench/calls.ts compares
// them): `own` writes HTTP/1.1 itself on a small pool of keep-alive sockets (plain or TLS),
// one request at a time per socket, so the request is on the wire when `call()` returns;
// `agent` is node's http/https client with a keep-alive Agent. Binary downloads
// (recordings) always use node's client.

export class AriHttpError extends Error {
  readonly code: ErrorCode = 'AH_ERR_ARI_HTTP';
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    body: string,
  ) {
    super(`ARI ${method} ${path} answered ${status}${body ? `: ${body.slice(0, 200)}` : ''}`);
  }
}

/** Device states ARI accepts for a `Stasis:` device. */
export type AriDeviceState = 'NOT_INUSE' | 'INUSE' | 'BUSY' | 'INVALID' | 'UNAVAILABLE' | 'RINGING' | 'RINGINUSE' | 'ONHOLD';

/** Which transport carries the REST calls (ARI_REST_CLIENT, declared in settings/declaration). */
export type AriRestClient = (typeof ARI_REST_CLIENTS)[number];

/** Sees every REST request: for metrics (call set-up, request time per operation). */
export interface AriRestObserver {
  /** A request was handed to the transport (`own`: written to a socket, or queued for one). */
  sent?(operation: string, channelId: string | undefined): void;
  /** It was answered (status `2xx`, `4xx`, `5xx`) or failed without an answer (`error`), `seconds` after it was sent. */
  done?(operation: string, status: string, seconds: number): void;
}

/** What a request is: ARI's operation name (bounded, for metrics) and the channel it acts on. */
export interface AriOperation {
  operation: string;
  channelId?: string;
}

const OTHER: AriOperation = { operation: 'other' };

export interface AriRestOptions extends AriAccess {
  timeoutMs?: number;
  /** Which transport carries the calls (default own). */
  restClient?: AriRestClient;
  observer?: AriRestObserver;
}

type Query = Record<string, string | number | boolean | undefined>;

const MAX_SOCKETS = 64;
const CRLF_CRLF = Buffer.from('\r\n\r\n');

interface Job {
  method: string;
  path: string;
  head: string;
  payload: string | undefined;
  resolve: (text: string) => void;
  reject: (err: Error) => void;
  /** Already failed once on a kept-alive socket the server had closed. */
  retried: boolean;
}

/** One keep-alive connection to Asterisk's HTTP server, one request in flight at most. */
class Conn {
  job: Job | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private status = 0;
  private bodyStart = -1;
  private contentLength = -1;
  private chunked = false;
  private closeAfter = false;
  private gotBytes = false;
  private timer: NodeJS.Timeout | undefined;
  dead = false;
  /** Requests answered on this socket so far. */
  served = 0;

  constructor(
    readonly socket: Socket,
    private readonly pool: ConnPool,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('socket hang up')));
    socket.on('end', () => socket.end());
  }

  send(job: Job, timeoutMs: number): void {
    this.job = job;
    this.buf = Buffer.alloc(0);
    this.status = 0;
    this.bodyStart = -1;
    this.contentLength = -1;
    this.chunked = false;
    this.closeAfter = false;
    this.gotBytes = false;
    this.timer = setTimeout(() => {
      const j = this.job;
      this.job = undefined;
      this.kill();
      j?.reject(new Error(`ARI ${j.method} ${j.path} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    this.socket.write(job.payload === undefined ? job.head : job.head + job.payload);
  }

  private kill(): void {
    this.dead = true;
    if (this.timer) clearTimeout(this.timer);
    this.pool.forget(this);
    this.socket.destroy();
  }

  private fail(err: Error): void {
    if (this.dead) return;
    const job = this.job;
    const gotBytes = this.gotBytes;
    this.job = undefined;
    this.kill();
    if (!job) return;
    // A kept-alive socket the server closed just before our request: send it once more.
    if (!gotBytes && this.served > 0 && !job.retried) {
      job.retried = true;
      this.pool.run(job);
      return;
    }
    job.reject(err);
  }

  private onData(d: Buffer): void {
    const job = this.job;
    if (!job) return; // nothing asked: ignore (the server closes idle sockets itself)
    this.gotBytes = true;
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    if (this.bodyStart < 0) {
      const end = this.buf.indexOf(CRLF_CRLF);
      if (end < 0) return;
      const head = this.buf.toString('latin1', 0, end).split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '');
      if (!m) {
        this.fail(new Error(`ARI ${job.method} ${job.path}: malformed HTTP response`));
        return;
      }
      this.status = Number(m[1]);
      this.closeAfter = /^HTTP\/1\.0/.test(head[0]!);
      for (let i = 1; i < head.length; i++) {
        const line = head[i]!;
        const c = line.indexOf(':');
        if (c < 0) continue;
        const name = line.slice(0, c).trim().toLowerCase();
        const value = line.slice(c + 1).trim();
        if (name === 'content-length') this.contentLength = Number(value);
        else if (name === 'transfer-encoding') this.chunked = /chunked/i.test(value);
        else if (name === 'connection') this.closeAfter = /close/i.test(value) ? true : /keep-alive/i.test(value) ? false : this.closeAfter;
      }
      this.bodyStart = end + 4;
      if (
        !this.chunked &&
        this.contentLength < 0 &&
        (this.status === 204 || this.status === 304 || (this.status >= 100 && this.status < 200))
      )
        this.contentLength = 0;
    }
    let body: Buffer | undefined;
    if (this.chunked) body = this.dechunk();
    else if (this.contentLength >= 0) {
      if (this.buf.length - this.bodyStart < this.contentLength) return;
      body = this.buf.subarray(this.bodyStart, this.bodyStart + this.contentLength);
    } else return; // until the server closes: see onClose
    if (!body) return;
    this.complete(body.toString('utf8'));
  }

  /** The body of a complete chunked message, or undefined while incomplete. */
  private dechunk(): Buffer | undefined {
    const parts: Buffer[] = [];
    let at = this.bodyStart;
    for (;;) {
      const eol = this.buf.indexOf('\r\n', at);
      if (eol < 0) return undefined;
      const size = parseInt(this.buf.toString('latin1', at, eol), 16);
      if (!Number.isFinite(size)) return undefined;
      if (size === 0) {
        return this.buf.indexOf(CRLF_CRLF, eol - 2) >= 0 ? Buffer.concat(parts) : undefined;
      }
      if (this.buf.length < eol + 2 + size + 2) return undefined;
      parts.push(this.buf.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
  }

  private complete(text: string): void {
    const job = this.job!;
    this.job = undefined;
    if (this.timer) clearTimeout(this.timer);
    const status = this.status;
    this.served++;
    if (this.closeAfter) this.kill();
    else this.pool.release(this);
    if (status >= 300) job.reject(new AriHttpError(status, job.method, job.path, text));
    else job.resolve(text);
  }

  /** A body delimited by the connection closing (no Content-Length). */
  onClose(): boolean {
    if (!this.job || this.bodyStart < 0 || this.chunked || this.contentLength >= 0) return false;
    this.closeAfter = true;
    this.complete(this.buf.subarray(this.bodyStart).toString('utf8'));
    return true;
  }
}

class ConnPool {
  private readonly idle: Conn[] = [];
  private readonly all = new Set<Conn>();
  private readonly waiting: Job[] = [];
  private closed = false;

  constructor(
    private readonly target: AriTarget,
    private readonly timeoutMs: number,
    private readonly keepAliveMsecs: number,
  ) {}

  run(job: Job): void {
    if (this.closed) {
      job.reject(new Error('ARI REST client closed'));
      return;
    }
    let conn: Conn | undefined;
    while ((conn = this.idle.pop()) && conn.dead);
    if (conn && !conn.dead) {
      conn.send(job, this.timeoutMs);
      return;
    }
    if (this.all.size >= MAX_SOCKETS) {
      this.waiting.push(job);
      return;
    }
    const { host, port } = this.target.endpoint;
    // A TLS socket buffers what is written before the handshake, as a TCP socket does
    // before it connects; a certificate that does not verify fails the job like a reset.
    const tls = this.target.tls;
    const socket: Socket = tls ? tlsConnect({ host, port, ...tls }) : connect({ host, port });
    socket.setKeepAlive(true, this.keepAliveMsecs);
    const c = new Conn(socket, this);
    socket.prependListener('close', () => c.onClose());
    this.all.add(c);
    // Written now: the socket sends it once connected.
    c.send(job, this.timeoutMs);
  }

  release(c: Conn): void {
    const next = this.waiting.shift();
    if (next) {
      c.send(next, this.timeoutMs);
      return;
    }
    this.idle.push(c);
  }

  forget(c: Conn): void {
    this.all.delete(c);
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    const next = this.waiting.shift();
    if (next) this.run(next);
  }

  close(): void {
    this.closed = true;
    for (const c of this.all) c.socket.destroy();
    this.all.clear();
    this.idle.length = 0;
    for (const j of this.waiting.splice(0)) j.reject(new Error('ARI REST client closed'));
  }
}

/** Carries one request: resolves with the body of a 2xx answer, rejects with AriHttpError otherwise. */
interface RestTransport {
  request(method: string, path: string, target: string, payload: string | undefined): Promise<string>;
  close(): void;
}

class OwnTransport implements RestTransport {
  private readonly pool: ConnPool;

  constructor(
    private readonly target: AriTarget,
    timeoutMs: number,
  ) {
    this.pool = new ConnPool(target, timeoutMs, 10_000);
  }

  request(method: string, path: string, target: string, payload: string | undefined): Promise<string> {
    const head =
      `${method} ${target} HTTP/1.1\r\n` +
      `Host: ${this.target.endpoint.hostHeader}\r\n` +
      `Authorization: ${this.target.auth}\r\n` +
      'Connection: keep-alive\r\n' +
      (payload !== undefined
        ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n\r\n`
        : 'Content-Length: 0\r\n\r\n');
    return new Promise<string>((resolve, reject) => this.pool.run({ method, path, head, payload, retried: false, resolve, reject }));
  }

  close(): void {
    this.pool.close();
  }
}

type NodeAgent = HttpAgent | HttpsAgent;

function newAgent(target: AriTarget, maxSockets: number): NodeAgent {
  const common = { keepAlive: true, keepAliveMsecs: 10_000, maxSockets };
  return target.tls ? new HttpsAgent({ ...common, ...target.tls }) : new HttpAgent(common);
}

/** One request through node's http/https client; the whole body, or AriHttpError for a status >= 300. */
function agentRequest(
  target: AriTarget,
  agent: NodeAgent,
  req: { method: string; path: string; target: string; payload?: string; timeoutMs: number; signal?: AbortSignal },
): Promise<Buffer> {
  const { endpoint } = target;
  const headers: Record<string, string | number> = { host: endpoint.hostHeader, authorization: target.auth };
  if (req.payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(req.payload);
  } else if (req.method !== 'GET') headers['content-length'] = 0;
  return new Promise<Buffer>((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const status = res.statusCode ?? 0;
        if (status >= 300) reject(new AriHttpError(status, req.method, req.path, body.toString('utf8')));
        else resolve(body);
      });
    };
    const options = {
      host: endpoint.host,
      port: endpoint.port,
      method: req.method,
      path: req.target,
      agent,
      headers,
      signal: req.signal,
      ...(target.tls ?? {}),
    };
    const r = target.tls ? httpsRequest(options, onResponse) : httpRequest(options, onResponse);
    r.setTimeout(req.timeoutMs, () => r.destroy(new Error(`ARI ${req.method} ${req.path} timed out after ${req.timeoutMs} ms`)));
    r.on('error', reject);
    r.end(req.payload);
  });
}

class AgentTransport implements RestTransport {
  private readonly agent: NodeAgent;

  constructor(
    private readonly target: AriTarget,
    private readonly timeoutMs: number,
  ) {
    this.agent = newAgent(target, MAX_SOCKETS);
  }

  async request(method: string, path: string, target: string, payload: string | undefined): Promise<string> {
    return (await agentRequest(this.target, this.agent, { method, path, target, payload, timeoutMs: this.timeoutMs })).toString('utf8');
  }

  close(): void {
    this.agent.destroy();
  }
}

export class AriRest {
  private readonly target: AriTarget;
  private readonly transport: RestTransport;
  /** For binary downloads (recordings), whatever the transport. */
  private readonly downloads: NodeAgent;
  private readonly timeoutMs: number;
  private readonly observer: AriRestObserver | undefined;
  readonly restClient: AriRestClient;

  constructor(opts: AriRestOptions) {
    this.target = resolveAriAccess(opts);
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.restClient = opts.restClient ?? 'own';
    this.transport =
      this.restClient === 'agent' ? new AgentTransport(this.target, this.timeoutMs) : new OwnTransport(this.target, this.timeoutMs);
    this.downloads = newAgent(this.target, 8);
    this.observer = opts.observer;
  }

  /** Sends a request; resolves with the body (parsed JSON when there is one). `op` names it for metrics. */
  async call<T = unknown>(method: string, path: string, query?: Query, body?: unknown, op: AriOperation = OTHER): Promise<T> {
    let qs = '';
    if (query) {
      const parts: string[] = [];
      for (const [k, v] of Object.entries(query))
        if (v !== undefined) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
      if (parts.length) qs = `?${parts.join('&')}`;
    }
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const obs = this.observer;
    const t0 = obs ? performance.now() : 0;
    obs?.sent?.(op.operation, op.channelId);
    let text: string;
    try {
      text = await this.transport.request(method, path, `${this.target.endpoint.restBase}${path}${qs}`, payload);
    } catch (err) {
      obs?.done?.(
        op.operation,
        err instanceof AriHttpError ? `${Math.floor(err.status / 100)}xx` : 'error',
        (performance.now() - t0) / 1000,
      );
      throw err;
    }
    obs?.done?.(op.operation, '2xx', (performance.now() - t0) / 1000);
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }

  /** Fetches a binary body (stored recordings); AriHttpError for an error status (404: gone). */
  getBuffer(path: string, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<Buffer> {
    return agentRequest(this.target, this.downloads, {
      method: 'GET',
      path,
      target: `${this.target.endpoint.restBase}${path}`,
      timeoutMs: opts.timeoutMs ?? 60_000,
      signal: opts.signal,
    });
  }

  /** Whether Asterisk still has this channel (false on 404). */
  async channelExists(channelId: string): Promise<boolean> {
    return (await this.getUnless404(`/channels/${encodeURIComponent(channelId)}`, 'channels.get')) !== undefined;
  }

  /** Whether this playback is still playing (false on 404: it ended). */
  async playbackExists(playbackId: string): Promise<boolean> {
    return (await this.getUnless404(`/playbacks/${encodeURIComponent(playbackId)}`, 'playbacks.get')) !== undefined;
  }

  /** The channels in the Stasis app `app` now (answered or not, handled by anyone or by nobody). */
  async appChannelIds(app: string): Promise<string[]> {
    const a = await this.call<{ channel_ids?: string[] }>('GET', `/applications/${encodeURIComponent(app)}`, undefined, undefined, {
      operation: 'applications.get',
    });
    return a.channel_ids ?? [];
  }

  /** A channel's snapshot; undefined when Asterisk no longer has it. */
  async channel(channelId: string): Promise<AriChannel | undefined> {
    return (await this.getUnless404<AriChannel>(`/channels/${encodeURIComponent(channelId)}`, 'channels.get'))?.body;
  }

  /** Every channel that is in some bridge now. */
  async bridgedChannelIds(): Promise<Set<string>> {
    const bridges = await this.call<Array<{ channels?: string[] }>>('GET', '/bridges', undefined, undefined, { operation: 'bridges.list' });
    return new Set(bridges.flatMap((b) => b.channels ?? []));
  }

  /** A GET's body; undefined when the resource is gone (404). */
  private async getUnless404<T>(path: string, operation: string): Promise<{ body: T } | undefined> {
    try {
      return { body: await this.call<T>('GET', path, undefined, undefined, { operation }) };
    } catch (err) {
      if (err instanceof AriHttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  // The calls the call handler makes. Each one is a line of ARI's REST API.
  hangup(channelId: string, reason: HangupCause = 'normal'): Promise<void> {
    return this.call('DELETE', `/channels/${encodeURIComponent(channelId)}`, { reason }, undefined, {
      operation: 'channels.hangup',
      channelId,
    });
  }
  continueInDialplan(channelId: string, context: string, extension: string, priority = 1): Promise<void> {
    return this.call('POST', `/channels/${encodeURIComponent(channelId)}/continue`, { context, extension, priority }, undefined, {
      operation: 'channels.continueInDialplan',
      channelId,
    });
  }
  answer(channelId: string): Promise<void> {
    return this.call('POST', `/channels/${encodeURIComponent(channelId)}/answer`, undefined, undefined, {
      operation: 'channels.answer',
      channelId,
    });
  }
  ring(channelId: string): Promise<void> {
    return this.call('POST', `/channels/${encodeURIComponent(channelId)}/ring`, undefined, undefined, {
      operation: 'channels.ring',
      channelId,
    });
  }
  play(channelId: string, playbackId: string, media: string): Promise<void> {
    return this.call('POST', `/channels/${encodeURIComponent(channelId)}/play/${encodeURIComponent(playbackId)}`, { media }, undefined, {
      operation: 'channels.playWithId',
      channelId,
    });
  }
  stopPlayback(playbackId: string): Promise<void> {
    return this.call('DELETE', `/playbacks/${encodeURIComponent(playbackId)}`, undefined, undefined, { operation: 'playbacks.stop' });
  }
  record(
    channelId: string,
    opts: { name: string; format: string; maxDurationSeconds: number; maxSilenceSeconds: number; beep: boolean; terminateOn: string },
  ): Promise<void> {
    return this.call('POST', `/channels/${encodeURIComponent(channelId)}/record`, { ...opts, ifExists: 'overwrite' }, undefined, {
      operation: 'channels.record',
      channelId,
    });
  }
  stopRecording(name: string): Promise<void> {
    return this.call('POST', `/recordings/live/${encodeURIComponent(name)}/stop`, undefined, undefined, { operation: 'recordings.stop' });
  }
  createChannel(opts: {
    endpoint: string;
    app: string;
    appArgs: string;
    channelId: string;
    originator: string;
    callerId?: string;
  }): Promise<void> {
    return this.call('POST', '/channels/create', { ...opts }, undefined, { operation: 'channels.create' });
  }
  dial(channelId: string, caller: string, timeoutSeconds: number): Promise<void> {
    return this.call('POST', `/channels/${encodeURIComponent(channelId)}/dial`, { caller, timeout: timeoutSeconds }, undefined, {
      operation: 'channels.dial',
      channelId,
    });
  }
  createBridge(bridgeId: string): Promise<void> {
    return this.call('POST', `/bridges/${encodeURIComponent(bridgeId)}`, { type: 'mixing' }, undefined, {
      operation: 'bridges.createWithId',
    });
  }
  addToBridge(bridgeId: string, channelIds: string[]): Promise<void> {
    return this.call('POST', `/bridges/${encodeURIComponent(bridgeId)}/addChannel`, { channel: channelIds.join(',') }, undefined, {
      operation: 'bridges.addChannel',
    });
  }
  destroyBridge(bridgeId: string): Promise<void> {
    return this.call('DELETE', `/bridges/${encodeURIComponent(bridgeId)}`, undefined, undefined, { operation: 'bridges.destroy' });
  }
  /** Sets a device state ARI controls (`Stasis:<name>`), creating it on first use. Idempotent. */
  setDeviceState(device: string, deviceState: AriDeviceState): Promise<void> {
    return this.call('PUT', `/deviceStates/${encodeURIComponent(device)}`, { deviceState }, undefined, {
      operation: 'deviceStates.update',
    });
  }

  close(): void {
    this.transport.close();
    this.downloads.destroy();
  }
}

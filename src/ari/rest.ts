import { Agent, request } from 'node:http';
import type { HangupCause } from '../config/types';

// ARI's REST calls over our own keep-alive HTTP agent. ari-client (request + swagger-client)
// opens new TCP connections under load and loses the HTTP status of errors; the calls a
// call handler makes are few and simple, so they go here, typed.

export class AriHttpError extends Error {
  readonly code = 'AH_ERR_ARI_HTTP';
  constructor(readonly status: number, readonly method: string, readonly path: string, body: string) {
    super(`ARI ${method} ${path} answered ${status}${body ? `: ${body.slice(0, 200)}` : ''}`);
  }
}

export interface AriRestOptions {
  /** e.g. http://127.0.0.1:8088 (an /ari suffix is accepted). */
  url: string;
  user: string;
  password: string;
  timeoutMs?: number;
}

type Query = Record<string, string | number | boolean | undefined>;

export class AriRest {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64, keepAliveMsecs: 10_000 });
  private readonly host: string;
  private readonly port: number;
  private readonly base: string;
  private readonly auth: string;
  private readonly timeoutMs: number;

  constructor(opts: AriRestOptions) {
    const u = new URL(opts.url);
    this.host = u.hostname;
    this.port = Number(u.port || 80);
    this.base = `${u.pathname.replace(/\/+$/, '').replace(/\/ari$/, '')}/ari`;
    this.auth = `Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString('base64')}`;
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  /** Sends a request; resolves with the body (parsed JSON when there is one). */
  call<T = unknown>(method: string, path: string, query?: Query, body?: unknown): Promise<T> {
    let qs = '';
    if (query) {
      const parts: string[] = [];
      for (const [k, v] of Object.entries(query)) if (v !== undefined) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
      if (parts.length) qs = `?${parts.join('&')}`;
    }
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = request(
        {
          host: this.host,
          port: this.port,
          method,
          path: `${this.base}${path}${qs}`,
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: {
            authorization: this.auth,
            ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : { 'content-length': 0 }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 300) {
              reject(new AriHttpError(status, method, path, text));
              return;
            }
            if (text === '') {
              resolve(undefined as T);
              return;
            }
            try {
              resolve(JSON.parse(text) as T);
            } catch {
              resolve(text as T);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`ARI ${method} ${path} timed out after ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Fetches a binary body (stored recordings). */
  async getBuffer(path: string): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const req = request({ host: this.host, port: this.port, method: 'GET', path: `${this.base}${path}`, agent: this.agent, headers: { authorization: this.auth } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => ((res.statusCode ?? 0) >= 300 ? reject(new AriHttpError(res.statusCode ?? 0, 'GET', path, '')) : resolve(Buffer.concat(chunks))));
      });
      req.on('error', reject);
      req.end();
    });
  }

  // The calls the call handler makes. Each one is a line of ARI's REST API.
  hangup(channelId: string, reason: HangupCause = 'normal'): Promise<void> {
    return this.call('DELETE', `/channels/${encodeURIComponent(channelId)}`, { reason });
  }
  continueInDialplan(channelId: string, context: string, extension: string, priority = 1): Promise<void> {
    return this.call('POST', `/channels/${encodeURIComponent(channelId)}/continue`, { context, extension, priority });
  }
  answer(channelId: string): Promise<void> {
    return this.call('POST', `/channels/${encodeURIComponent(channelId)}/answer`);
  }
  ring(channelId: string): Promise<void> {
    return this.call('POST', `/channels/${encodeURIComponent(channelId)}/ring`);
  }
  progress(channelId: string): Promise<void> {
    return this.call('POST', `/channels/${encodeURIComponent(channelId)}/progress`);
  }
  play(channelId: string, playbackId: string, media: string): Promise<void> {
    return this.call('POST', `/channels/${encodeURIComponent(channelId)}/play/${encodeURIComponent(playbackId)}`, { media });
  }
  stopPlayback(playbackId: string): Promise<void> {
    return this.call('DELETE', `/playbacks/${encodeURIComponent(playbackId)}`);
  }
  record(channelId: string, opts: { name: string; format: string; maxDurationSeconds: number; maxSilenceSeconds: number; beep: boolean; terminateOn: string }): Promise<void> {
    return this.call('POST', `/channels/${encodeURIComponent(channelId)}/record`, { ...opts, ifExists: 'overwrite' });
  }
  stopRecording(name: string): Promise<void> {
    return this.call('POST', `/recordings/live/${encodeURIComponent(name)}/stop`);
  }
  createChannel(opts: { endpoint: string; app: string; appArgs: string; channelId: string; originator: string; callerId?: string }): Promise<void> {
    return this.call('POST', '/channels/create', { ...opts });
  }
  dial(channelId: string, caller: string, timeoutSeconds: number): Promise<void> {
    return this.call('POST', `/channels/${encodeURIComponent(channelId)}/dial`, { caller, timeout: timeoutSeconds });
  }
  createBridge(bridgeId: string): Promise<void> {
    return this.call('POST', `/bridges/${encodeURIComponent(bridgeId)}`, { type: 'mixing' });
  }
  addToBridge(bridgeId: string, channelIds: string[]): Promise<void> {
    return this.call('POST', `/bridges/${encodeURIComponent(bridgeId)}/addChannel`, { channel: channelIds.join(',') });
  }
  destroyBridge(bridgeId: string): Promise<void> {
    return this.call('DELETE', `/bridges/${encodeURIComponent(bridgeId)}`);
  }
  listBridges(): Promise<Array<{ id: string }>> {
    return this.call('GET', '/bridges');
  }
  asteriskInfo(): Promise<unknown> {
    return this.call('GET', '/asterisk/info');
  }

  close(): void {
    this.agent.destroy();
  }
}

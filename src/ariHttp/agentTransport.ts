import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isCertificateError, type AriTarget } from './endpoint';
import { AriHttpError, AriTooLargeError, AriUnansweredError } from './errors';
import { mayResend } from './retrySafety';
import type { AriTransport, TransportRequest, TransportSettings } from './transport';

// node's http/https client with a keep-alive Agent: the stock client of the A/B in
// BENCHMARKS.md, and the transport of binary downloads (recordings). The same limits and the
// same re-send rule as the own transport (retrySafety): a request counts as written once node
// has flushed it ('finish').

export type NodeAgent = HttpAgent | HttpsAgent;

/** `idleSocketMs`: a free socket is closed after this long (before Asterisk would close it). */
export function newAgent(target: AriTarget, maxSockets: number, idleSocketMs: number): NodeAgent {
  const common = { keepAlive: true, keepAliveMsecs: 10_000, maxSockets, timeout: idleSocketMs };
  return target.tls ? new HttpsAgent({ ...common, ...target.tls }) : new HttpAgent(common);
}

interface Attempt {
  written: boolean;
  answered: boolean;
}

function once(settings: TransportSettings, agent: NodeAgent, req: TransportRequest, at: Attempt): Promise<Buffer> {
  const { target, limits } = settings;
  const { endpoint } = target;
  const headers: Record<string, string | number> = { host: endpoint.hostHeader, authorization: target.auth };
  if (req.payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(req.payload);
  } else if (req.method !== 'GET') headers['content-length'] = 0;
  return new Promise<Buffer>((resolve, reject) => {
    let r: ClientRequest | undefined = undefined;
    const onResponse = (res: IncomingMessage) => {
      at.answered = true;
      const declared = Number(res.headers['content-length'] ?? -1);
      if (declared > req.maxBodyBytes) {
        r?.destroy(new AriTooLargeError(req.method, req.path, 'body', req.maxBodyBytes));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > req.maxBodyBytes) r?.destroy(new AriTooLargeError(req.method, req.path, 'body', req.maxBodyBytes));
        else chunks.push(c);
      });
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('the answer was cut short')));
      res.on('end', () => {
        if (!res.complete) return reject(new Error('the answer was cut short'));
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
      maxHeaderSize: limits.maxHeaderBytes,
      ...(target.tls ?? {}),
    };
    r = target.tls ? httpsRequest(options, onResponse) : httpRequest(options, onResponse);
    r.setTimeout(req.timeoutMs, () => r?.destroy(new Error(`no answer within ${req.timeoutMs} ms`)));
    r.on('finish', () => (at.written = true));
    r.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'HPE_HEADER_OVERFLOW') reject(new AriTooLargeError(req.method, req.path, 'headers', limits.maxHeaderBytes));
      else reject(err);
    });
    r.end(req.payload);
  });
}

/** One request, re-sent when retrySafety allows; the body of a 2xx answer. */
export async function agentRequest(settings: TransportSettings, agent: NodeAgent, req: TransportRequest): Promise<Buffer> {
  for (let attempts = 1; ; attempts++) {
    const at: Attempt = { written: false, answered: false };
    try {
      return await once(settings, agent, req, at);
    } catch (err) {
      if (err instanceof AriHttpError || err instanceof AriTooLargeError || isCertificateError(err) || req.signal?.aborted) throw err;
      if (mayResend({ method: req.method, attempts, written: at.written, answered: at.answered })) continue;
      throw new AriUnansweredError(req.method, req.path, at.written || at.answered, (err as Error).message, { cause: err });
    }
  }
}

export class AgentTransport implements AriTransport {
  private readonly agent: NodeAgent;

  constructor(private readonly settings: TransportSettings) {
    this.agent = newAgent(settings.target, settings.maxSockets, settings.limits.idleSocketMs);
  }

  request(req: TransportRequest): Promise<Buffer> {
    return agentRequest(this.settings, this.agent, req);
  }

  close(): void {
    this.agent.destroy();
  }
}

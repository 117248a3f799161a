import { Pool } from 'undici';
import { isCertificateError } from './endpoint';
import { AriHttpError, AriTooLargeError, AriUnansweredError } from './errors';
import { mayResend } from './retrySafety';
import type { AriTransport, TransportRequest, TransportSettings } from './transport';

// undici's Pool: a third transport for the A/B in BENCHMARKS.md. Same limits (its own
// maxHeaderSize and maxResponseSize) and the same re-send rule; undici does not say whether
// a request was written, so only a connection that was never made counts as not sent.

const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

export class UndiciTransport implements AriTransport {
  private readonly pool: Pool;

  constructor(private readonly settings: TransportSettings) {
    const { endpoint, tls } = settings.target;
    const { limits } = settings;
    this.pool = new Pool(`${endpoint.secure ? 'https' : 'http'}://${endpoint.hostHeader}`, {
      connections: settings.maxSockets,
      pipelining: 1,
      keepAliveTimeout: limits.idleSocketMs,
      keepAliveMaxTimeout: limits.idleSocketMs,
      maxHeaderSize: limits.maxHeaderBytes,
      maxResponseSize: limits.maxBodyBytes,
      connect: { ...(tls ?? {}), host: endpoint.host, port: endpoint.port },
    });
  }

  async request(req: TransportRequest): Promise<Buffer> {
    for (let attempts = 1; ; attempts++) {
      let answered = false;
      try {
        const res = await this.pool.request({
          method: req.method as 'GET',
          path: req.target,
          headers: {
            host: this.settings.target.endpoint.hostHeader,
            authorization: this.settings.target.auth,
            ...(req.payload !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body: req.payload,
          headersTimeout: req.timeoutMs,
          bodyTimeout: req.timeoutMs,
          signal: req.signal,
        });
        answered = true;
        const declared = Number(res.headers['content-length'] ?? -1);
        if (declared > req.maxBodyBytes) {
          res.body.destroy();
          throw new AriTooLargeError(req.method, req.path, 'body', req.maxBodyBytes);
        }
        const body = Buffer.from(await res.body.arrayBuffer());
        if (res.statusCode >= 300) throw new AriHttpError(res.statusCode, req.method, req.path, body.toString('utf8'));
        return body;
      } catch (err) {
        if (err instanceof AriHttpError || err instanceof AriTooLargeError || isCertificateError(err) || req.signal?.aborted) throw err;
        const code = (err as { code?: string }).code ?? '';
        if (code === 'UND_ERR_HEADERS_OVERFLOW')
          throw new AriTooLargeError(req.method, req.path, 'headers', this.settings.limits.maxHeaderBytes);
        if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') throw new AriTooLargeError(req.method, req.path, 'body', req.maxBodyBytes);
        const written = !NEVER_CONNECTED.has(code) && !NEVER_CONNECTED.has((err as { cause?: { code?: string } }).cause?.code ?? '');
        if (mayResend({ method: req.method, attempts, written, answered })) continue;
        throw new AriUnansweredError(req.method, req.path, written || answered, (err as Error).message, { cause: err });
      }
    }
  }

  close(): void {
    void this.pool.destroy();
  }
}

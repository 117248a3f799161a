import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { isCertificateError } from './endpoint';
import { AriHttpError, AriTooLargeError, AriUnansweredError } from './errors';
import { mayResend } from './retrySafety';
import type { AriTransport, TransportRequest, TransportSettings } from './transport';

// HTTP/1.1 written by hand on a small pool of keep-alive sockets (plain or TLS), one request
// at a time per socket, so the request is on the wire when `request()` returns (measured
// faster than node's Agent: BENCHMARKS.md, "ARI REST client A/B").
//
// What may be sent twice is decided by retrySafety: each request knows whether it was written
// (the socket's write callback) and whether a byte of the answer came back. Idle sockets are
// dropped before Asterisk would close them, so a request is not written into a closing socket.

const CRLF_CRLF = Buffer.from('\r\n\r\n');

interface Job {
  req: TransportRequest;
  head: string;
  resolve: (body: Buffer) => void;
  reject: (err: Error) => void;
  attempts: number;
  /** The current attempt's bytes were handed to the operating system. */
  written: boolean;
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
  /** When it last became idle (ms, performance.now()). */
  idleSince = 0;

  constructor(
    readonly socket: Socket,
    private readonly pool: ConnPool,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => {
      if (!this.onClose()) this.fail(new Error('the connection closed'));
    });
    socket.on('end', () => socket.end());
  }

  send(job: Job): void {
    this.job = job;
    job.attempts++;
    job.written = false;
    this.buf = Buffer.alloc(0);
    this.status = 0;
    this.bodyStart = -1;
    this.contentLength = -1;
    this.chunked = false;
    this.closeAfter = false;
    this.gotBytes = false;
    const { timeoutMs, method, path } = job.req;
    this.timer = setTimeout(() => {
      if (this.job !== job) return;
      this.job = undefined;
      this.kill();
      job.reject(new AriUnansweredError(method, path, job.written, `no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    // The callback runs once the bytes are with the operating system (after the connect and
    // TLS handshake of a new socket), or with an error when they never got there.
    this.socket.write(job.req.payload === undefined ? job.head : job.head + job.req.payload, (err) => {
      if (!err && this.job === job) job.written = true;
    });
  }

  private kill(): void {
    this.dead = true;
    if (this.timer) clearTimeout(this.timer);
    this.pool.forget(this);
    this.socket.destroy();
  }

  private fail(err: Error, resendable = true): void {
    if (this.dead) return;
    const job = this.job;
    const answered = this.gotBytes;
    this.job = undefined;
    this.kill();
    if (!job) return;
    const { method, path } = job.req;
    // A certificate that does not verify is a setting to fix, not a fault to retry: as it is.
    if (isCertificateError(err)) {
      job.reject(err);
      return;
    }
    if (resendable && mayResend({ method, attempts: job.attempts, written: job.written, answered })) {
      this.pool.run(job);
      return;
    }
    job.reject(
      err instanceof AriTooLargeError || err instanceof AriHttpError
        ? err
        : new AriUnansweredError(method, path, job.written || answered, err.message, { cause: err }),
    );
  }

  private tooLarge(job: Job, what: 'headers' | 'body', limit: number): void {
    this.fail(new AriTooLargeError(job.req.method, job.req.path, what, limit), false);
  }

  private onData(d: Buffer): void {
    const job = this.job;
    if (!job) return; // nothing asked: ignore (the server closes idle sockets itself)
    this.gotBytes = true;
    // Bytes came back, so the request was written even if its callback has not run yet.
    job.written = true;
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    const { maxHeaderBytes } = this.pool.settings.limits;
    const maxBody = job.req.maxBodyBytes;
    if (this.bodyStart < 0) {
      const end = this.buf.indexOf(CRLF_CRLF);
      if (end < 0) {
        if (this.buf.length > maxHeaderBytes) this.tooLarge(job, 'headers', maxHeaderBytes);
        return;
      }
      if (end + 4 > maxHeaderBytes) {
        this.tooLarge(job, 'headers', maxHeaderBytes);
        return;
      }
      const head = this.buf.toString('latin1', 0, end).split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '');
      if (!m) {
        this.fail(new Error('malformed HTTP answer'), false);
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
      if (this.contentLength > maxBody) {
        this.tooLarge(job, 'body', maxBody);
        return;
      }
    }
    let body: Buffer | undefined;
    if (this.chunked) {
      const r = this.dechunk(maxBody);
      if (r === 'too-large') {
        this.tooLarge(job, 'body', maxBody);
        return;
      }
      body = r;
    } else if (this.contentLength >= 0) {
      if (this.buf.length - this.bodyStart < this.contentLength) return;
      body = this.buf.subarray(this.bodyStart, this.bodyStart + this.contentLength);
    } else {
      // Until the server closes (see onClose), within the limit.
      if (this.buf.length - this.bodyStart > maxBody) this.tooLarge(job, 'body', maxBody);
      return;
    }
    if (body) this.complete(body);
  }

  /** The body of a complete chunked message, undefined while incomplete, 'too-large' over `max`. */
  private dechunk(max: number): Buffer | undefined | 'too-large' {
    const parts: Buffer[] = [];
    let total = 0;
    let at = this.bodyStart;
    for (;;) {
      const eol = this.buf.indexOf('\r\n', at);
      // A size line longer than any size (hex digits and extensions) is not one.
      if (eol < 0) return this.buf.length - at > 1024 ? 'too-large' : undefined;
      const size = parseInt(this.buf.toString('latin1', at, eol), 16);
      if (!Number.isFinite(size)) return undefined;
      total += size;
      if (total > max) return 'too-large';
      if (size === 0) {
        return this.buf.indexOf(CRLF_CRLF, eol - 2) >= 0 ? Buffer.concat(parts) : undefined;
      }
      if (this.buf.length < eol + 2 + size + 2) return undefined;
      parts.push(this.buf.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
  }

  private complete(body: Buffer): void {
    const job = this.job!;
    this.job = undefined;
    if (this.timer) clearTimeout(this.timer);
    const status = this.status;
    if (this.closeAfter) this.kill();
    else this.pool.release(this);
    if (status >= 300) job.reject(new AriHttpError(status, job.req.method, job.req.path, body.toString('utf8')));
    else job.resolve(body);
  }

  /** A body delimited by the connection closing (no Content-Length). */
  private onClose(): boolean {
    if (this.dead || !this.job || this.bodyStart < 0 || this.chunked || this.contentLength >= 0) return false;
    this.closeAfter = true;
    this.complete(this.buf.subarray(this.bodyStart));
    return true;
  }
}

class ConnPool {
  private readonly idle: Conn[] = [];
  private readonly all = new Set<Conn>();
  private readonly waiting: Job[] = [];
  private closed = false;

  constructor(readonly settings: TransportSettings) {}

  run(job: Job): void {
    if (this.closed) {
      job.reject(new AriUnansweredError(job.req.method, job.req.path, false, 'the ARI client is closed'));
      return;
    }
    const now = performance.now();
    let conn: Conn | undefined;
    while ((conn = this.idle.pop())) {
      if (conn.dead) continue;
      // Idle too long: Asterisk may be closing it right now; a request written then may or may not be read.
      if (now - conn.idleSince > this.settings.limits.idleSocketMs) {
        this.all.delete(conn);
        conn.dead = true;
        conn.socket.destroy();
        continue;
      }
      conn.send(job);
      return;
    }
    if (this.all.size >= this.settings.maxSockets) {
      this.waiting.push(job);
      return;
    }
    const { host, port } = this.settings.target.endpoint;
    // A TLS socket buffers what is written before the handshake, as a TCP socket does
    // before it connects; a certificate that does not verify fails the write like a refusal.
    const tls = this.settings.target.tls;
    const socket: Socket = tls ? tlsConnect({ host, port, ...tls }) : connect({ host, port });
    socket.setKeepAlive(true, 10_000);
    const c = new Conn(socket, this);
    this.all.add(c);
    // Written now: the socket sends it once connected.
    c.send(job);
  }

  release(c: Conn): void {
    const next = this.waiting.shift();
    if (next) {
      c.send(next);
      return;
    }
    c.idleSince = performance.now();
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
    for (const j of this.waiting.splice(0)) j.reject(new AriUnansweredError(j.req.method, j.req.path, false, 'the ARI client is closed'));
  }
}

export class OwnTransport implements AriTransport {
  private readonly pool: ConnPool;

  constructor(private readonly settings: TransportSettings) {
    this.pool = new ConnPool(settings);
  }

  request(req: TransportRequest): Promise<Buffer> {
    const { target } = this.settings;
    const head =
      `${req.method} ${req.target} HTTP/1.1\r\n` +
      `Host: ${target.endpoint.hostHeader}\r\n` +
      `Authorization: ${target.auth}\r\n` +
      'Connection: keep-alive\r\n' +
      (req.payload !== undefined
        ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(req.payload)}\r\n\r\n`
        : 'Content-Length: 0\r\n\r\n');
    return new Promise<Buffer>((resolve, reject) => this.pool.run({ req, head, attempts: 0, written: false, resolve, reject }));
  }

  close(): void {
    this.pool.close();
  }
}

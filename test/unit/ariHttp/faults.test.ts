// The plain ARI HTTP client against a local server that breaks the connection at each point:
// before reading a request, after reading it and before answering, in the middle of the
// answer's headers, in the middle of its body, and with headers or a body over the limits.
// A POST (Asterisk may have acted on it) is never sent twice; what provably never reached the
// server, or an idempotent request that got no answer, is sent again once.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { AriHttpClient, type AriRestClient } from '../../../src/ariHttp/client';
import { AriTooLargeError, AriUnansweredError } from '../../../src/ariHttp/errors';

type Behaviour =
  | 'answer'
  | 'close-before-reading'
  | 'close-after-reading'
  | 'close-mid-headers'
  | 'close-mid-body'
  | 'huge-headers'
  | 'huge-body'
  | 'huge-chunked-body';

interface Seen {
  method: string;
  url: string;
  connection: number;
}

/** A server that answers requests one by one, each as the next behaviour says ('answer' when none is left). */
class FaultServer {
  readonly seen: Seen[] = [];
  private readonly plan: Behaviour[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  connections = 0;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((socket) => this.onConnection(socket));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** The next requests' fates, in order. */
  then(...b: Behaviour[]): this {
    this.plan.push(...b);
    return this;
  }

  count(method: string, url: string): number {
    return this.seen.filter((s) => s.method === method && s.url === url).length;
  }

  private onConnection(socket: Socket): void {
    const connection = ++this.connections;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    // A connection whose first request is to be refused unread is closed before a byte is read.
    if (this.plan[0] === 'close-before-reading') {
      this.plan.shift();
      socket.destroy();
      return;
    }
    let buf = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.toString('latin1', 0, end).split('\r\n');
        const length = Number(/content-length:\s*(\d+)/i.exec(head.join('\n'))?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        buf = buf.subarray(end + 4 + length);
        const [method = '', url = ''] = head[0]!.split(' ');
        this.seen.push({ method, url, connection });
        this.respond(socket, this.plan.shift() ?? 'answer');
      }
    });
  }

  private respond(socket: Socket, b: Behaviour): void {
    const ok = '{"ok":true}';
    switch (b) {
      case 'answer':
      case 'close-before-reading': // only as a connection's first request
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${ok.length}\r\n\r\n${ok}`);
        return;
      case 'close-after-reading':
        socket.destroy();
        return;
      case 'close-mid-headers':
        socket.end('HTTP/1.1 200 OK\r\nContent-Type: applic');
        return;
      case 'close-mid-body':
        socket.end('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ok":');
        return;
      case 'huge-headers':
        socket.write(`HTTP/1.1 200 OK\r\nX-Filler: ${'a'.repeat(64 * 1024)}\r\nContent-Length: 2\r\n\r\n{}`);
        return;
      case 'huge-body':
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${8192}\r\n\r\n${' '.repeat(8192)}`);
        return;
      case 'huge-chunked-body':
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
        for (let i = 0; i < 8; i++) socket.write(`400\r\n${' '.repeat(1024)}\r\n`);
        socket.write('0\r\n\r\n');
        return;
    }
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}

const CLIENTS: AriRestClient[] = ['own', 'agent', 'undici'];

describe.each(CLIENTS)('ARI HTTP client (%s) against a server that breaks the connection', (restClient) => {
  let server: FaultServer;
  let client: AriHttpClient;

  beforeEach(async () => {
    server = new FaultServer();
    await server.start();
    client = new AriHttpClient({
      url: `http://127.0.0.1:${server.port}`,
      user: 'ah',
      password: 'pw',
      restClient,
      timeoutMs: 5000,
      limits: { maxBodyBytes: 4096, maxHeaderBytes: 8192 },
    });
  });
  afterEach(async () => {
    client.close();
    await server.stop();
  });

  /** One request answered first, so the next one goes on a kept-alive socket (where the old client re-sent anything). */
  async function warm(): Promise<void> {
    await client.request('GET', '/asterisk/info');
  }

  const post = () => client.request('POST', '/channels/c1/continue', { context: 'x' });
  const POST_URL = '/ari/channels/c1/continue?context=x';

  it('a POST that Asterisk read before the connection broke is not sent again: it fails, saying it may have reached', async () => {
    await warm();
    server.then('close-after-reading');
    const err = await post().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AriUnansweredError);
    expect((err as AriUnansweredError).mayHaveReached).toBe(true);
    expect(server.count('POST', POST_URL)).toBe(1);
  });

  it('a POST on a fresh connection broken after it was read is not sent again either', async () => {
    server.then('close-after-reading');
    const err = await post().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AriUnansweredError);
    expect(server.count('POST', POST_URL)).toBe(1);
  });

  it.each<Behaviour>(['close-mid-headers', 'close-mid-body'])('a POST whose answer breaks (%s) is not sent again', async (b) => {
    await warm();
    server.then(b);
    const err = await post().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AriUnansweredError);
    expect((err as AriUnansweredError).mayHaveReached).toBe(true);
    expect(server.count('POST', POST_URL)).toBe(1);
  });

  it('a POST refused before the server read a byte is sent at most once to the server', async () => {
    server.then('close-before-reading', 'close-before-reading');
    const err = await post().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AriUnansweredError);
    expect(server.count('POST', POST_URL)).toBe(0);
  });

  it('a POST to a port where nothing listens fails as never sent', async () => {
    const port = server.port;
    await server.stop();
    const refused = new AriHttpClient({ url: `http://127.0.0.1:${port}`, user: 'ah', password: 'pw', restClient, timeoutMs: 5000 });
    try {
      const err = await refused.request('POST', '/channels/c1/continue').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AriUnansweredError);
      expect((err as AriUnansweredError).mayHaveReached).toBe(false);
    } finally {
      refused.close();
    }
  });

  it('an idempotent request (GET, DELETE) broken after it was read is sent again once, and succeeds', async () => {
    await warm();
    server.then('close-after-reading');
    await expect(client.request('GET', '/channels/c1')).resolves.toEqual({ ok: true });
    expect(server.count('GET', '/ari/channels/c1')).toBe(2);
    server.then('close-after-reading');
    await expect(client.request('DELETE', '/channels/c2', { reason: 'busy' })).resolves.toEqual({ ok: true });
    expect(server.count('DELETE', '/ari/channels/c2?reason=busy')).toBe(2);
  });

  it('an idempotent request is sent twice at most', async () => {
    await warm();
    server.then('close-after-reading', 'close-after-reading', 'close-after-reading');
    await expect(client.request('GET', '/channels/c1')).rejects.toBeInstanceOf(AriUnansweredError);
    expect(server.count('GET', '/ari/channels/c1')).toBe(2);
  });

  it.each<Behaviour>(['huge-headers', 'huge-body', 'huge-chunked-body'])(
    'an answer over the limits (%s) is refused, not read to the end, and not asked again',
    async (b) => {
      await warm();
      server.then(b);
      await expect(client.request('GET', '/bridges')).rejects.toBeInstanceOf(AriTooLargeError);
      expect(server.count('GET', '/ari/bridges')).toBe(1);
      // The connection it came on is gone; the next request is answered on another.
      await expect(client.request('GET', '/asterisk/info')).resolves.toEqual({ ok: true });
    },
  );
});

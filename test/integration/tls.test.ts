// ARI over TLS and IPv6 on the real stack: Asterisk serves ARI over https on ariTlsPort with a
// certificate from the private CA scripts/stack makes at every start (stackEnv.ariCaFile).
// Daemons here speak only https/wss (or reach ARI through an IPv6 literal, or under a reverse
// proxy's path prefix), and a daemon that does not trust the certificate is refused.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAriRecordingFetcher } from '../../src/crm/ariRecordings';
import { eventually, startDaemon, writeConfig, type RunningDaemon } from '../support/daemon';
import { call, startUas } from '../support/sipp';
import {
  ariCaFile,
  ariHttpsUrl,
  ariPassword,
  ariPort,
  ariTlsPort,
  ariUser,
  officePort,
  repoRoot,
  uniqueDid,
  uniquePrefix,
} from '../support/stackEnv';

const fixtures = join(repoRoot, 'test', 'fixtures', 'sounds');

/** A TCP forwarder from [::1] to 127.0.0.1:target that keeps the first byte each client sent. */
interface V6Forwarder {
  port: number;
  firstBytes: number[];
  close(): Promise<void>;
}
async function forwardFromIpv6(target: number): Promise<V6Forwarder> {
  const sockets = new Set<Socket>();
  const firstBytes: number[] = [];
  const server: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.once('data', (d: Buffer) => firstBytes.push(d[0]!));
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '::1', () => r()));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    firstBytes,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/**
 * A reverse proxy that serves Asterisk's plain HTTP port under a path prefix, as an operator's
 * nginx would: /asterisk/ari/... → /ari/..., websocket upgrades included. Anything outside the
 * prefix is a 404, so a client that drops the prefix fails.
 */
async function prefixProxy(prefix: string, target: number): Promise<{ port: number; paths: string[]; close(): Promise<void> }> {
  const paths: string[] = [];
  const sockets = new Set<Socket>();
  const strip = (url: string | undefined): string | undefined => (url?.startsWith(`${prefix}/`) ? url.slice(prefix.length) : undefined);
  const server = createHttpServer((req, res) => {
    paths.push(req.url ?? '');
    const path = strip(req.url);
    if (!path) {
      res.writeHead(404).end();
      return;
    }
    // agent: false: no keep-alive socket to Asterisk outlives the proxy (the global agent keeps them).
    const up = httpRequest({ host: '127.0.0.1', port: target, method: req.method, path, headers: req.headers, agent: false }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connection', (s: Socket) => sockets.add(s.on('close', () => sockets.delete(s))));
  server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => {
    paths.push(req.url ?? '');
    const path = strip(req.url);
    if (!path) {
      client.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = connect(target, '127.0.0.1', () => {
      const lines = [`${req.method} ${path} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      client.pipe(upstream).pipe(client);
    });
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    paths,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A CA that signed nothing Asterisk has. */
function otherCa(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ah-wrong-ca-'));
  const ca = join(dir, 'ca.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'ca.key'),
      '-out',
      ca,
      '-days',
      '2',
      '-subj',
      '/CN=not the stack CA',
    ],
    { stdio: 'pipe' },
  );
  return ca;
}

const TLS_HANDSHAKE = 0x16; // the first byte of a TLS record carrying a ClientHello

describe('ARI over TLS and IPv6', () => {
  const closed = uniqueDid();
  const announced = uniqueDid();
  const open = uniqueDid();
  const configFile = writeConfig(
    [
      'defaults: { region: PL, timezone: Europe/Warsaw }',
      'numbers:',
      `  - { did: "${closed}", hours: {}, afterHours: { action: hangup } }`,
      `  - { did: "${announced}", hours: {}, afterHours: { action: hangup, hangup: { cause: busy, announcement: "${join(fixtures, 'short-announcement.wav')}" } } }`,
      `  - { did: "${open}", hours: "00:00-24:00", afterHours: { action: hangup } }`,
      '',
    ].join('\n'),
  );
  let daemon: RunningDaemon | undefined;
  let forwarder: V6Forwarder | undefined;

  afterEach(async () => {
    await daemon?.stop();
    daemon = undefined;
    await forwarder?.close();
    forwarder = undefined;
  });

  /** Closed and announced numbers rejected by the daemon (the office never rings); the open one continues to it. */
  async function placeCalls(): Promise<void> {
    const office = await startUas({ behaviour: 'answer', port: officePort });
    try {
      expect((await call({ to: closed, expect: 486 })).finalCode).toBe(486);
      // 183 with the announcement, then 486 once PlaybackFinished came over the websocket
      const a = await call({ to: announced, expect: 486, earlyMedia: true });
      expect(a.finalCode).toBe(486);
      expect(a.codes).toContain(183);
      expect(office.report().invites).toHaveLength(0);
      // continue-in-dialplan over REST: the office answers
      expect((await call({ to: open, expect: 200, talkMs: 200 })).finalCode).toBe(200);
      expect((await office.waitForInvites(1))[0]!.user).toBe(open);
    } finally {
      await office.stop();
    }
  }

  test('calls over https/wss only: decided by the daemon, events arrive, nothing in clear', async () => {
    // Through a forwarder that sees every byte: each connection (REST and websocket) opens
    // with a TLS handshake. The forwarder listens on [::1], so this is the IPv6 literal too.
    forwarder = await forwardFromIpv6(ariTlsPort);
    daemon = await startDaemon({
      configFile,
      prefix: uniquePrefix('tls'),
      env: { ARI_URL: `https://[::1]:${forwarder.port}`, ARI_CA_FILE: ariCaFile },
    });
    await daemon.waitHealthy();
    await placeCalls();
    expect(forwarder.firstBytes.length).toBeGreaterThanOrEqual(2); // the websocket + at least one REST socket
    expect(forwarder.firstBytes.every((b) => b === TLS_HANDSHAKE)).toBe(true);
    expect((await daemon.health())?.ari).toBe('registered');
  });

  test("calls over https/wss straight to Asterisk (127.0.0.1, the certificate's IP name)", async () => {
    daemon = await startDaemon({
      configFile,
      prefix: uniquePrefix('tls'),
      env: { ARI_URL: ariHttpsUrl, ARI_CA_FILE: ariCaFile, ARI_REST_CLIENT: 'agent' },
    });
    await daemon.waitHealthy();
    await placeCalls();
  });

  test('an IPv6 literal over plain http: http://[::1]:port', async () => {
    forwarder = await forwardFromIpv6(ariPort);
    daemon = await startDaemon({ configFile, prefix: uniquePrefix('tls'), env: { ARI_URL: `http://[::1]:${forwarder.port}` } });
    await daemon.waitHealthy();
    expect((await call({ to: closed, expect: 486 })).finalCode).toBe(486);
    expect(forwarder.firstBytes.length).toBeGreaterThanOrEqual(2);
  });

  test('behind a reverse proxy with a path prefix: REST and events under /asterisk', async () => {
    const proxy = await prefixProxy('/asterisk', ariPort);
    try {
      daemon = await startDaemon({ configFile, prefix: uniquePrefix('tls'), env: { ARI_URL: `http://127.0.0.1:${proxy.port}/asterisk` } });
      await daemon.waitHealthy();
      await placeCalls();
      expect(proxy.paths.some((p) => p.startsWith('/asterisk/ari/events?app=after-hours'))).toBe(true);
      expect(proxy.paths.some((p) => p.startsWith('/asterisk/ari/channels/'))).toBe(true);
      expect(proxy.paths.every((p) => p.startsWith('/asterisk/ari/'))).toBe(true);
    } finally {
      await daemon?.stop();
      daemon = undefined;
      await proxy.close();
    }
  });

  test("the CRM worker's recording download over https from Asterisk; refused with another CA", async () => {
    // A stored recording as Asterisk keeps them: a file in its recording folder (the stack's
    // spool is bind-mounted into Asterisk's root).
    const spool = join(process.env.AH_STACK_DIR || join(repoRoot, '.stack'), 'asterisk', 'spool', 'recording');
    const name = `tls-test-${process.pid}-${Date.now()}`;
    const source = join(fixtures, 'short-greeting.wav');
    copyFileSync(source, join(spool, `${name}.wav`));
    try {
      const signal = new AbortController().signal;
      const fetchRecording = createAriRecordingFetcher({ url: ariHttpsUrl, user: ariUser, password: ariPassword, caFile: ariCaFile });
      const got = await fetchRecording({ name, format: 'wav' }, signal);
      expect(got?.filename).toBe(`${name}.wav`);
      expect(got?.content.equals(readFileSync(source))).toBe(true);
      await expect(fetchRecording({ name: `${name}-missing`, format: 'wav' }, signal)).resolves.toBeNull();
      const wrong = createAriRecordingFetcher({ url: ariHttpsUrl, user: ariUser, password: ariPassword, caFile: otherCa() });
      await expect(wrong({ name, format: 'wav' }, signal)).rejects.toThrow(/certificate/i);
    } finally {
      rmSync(join(spool, `${name}.wav`), { force: true });
    }
  });

  test.each([
    ["a CA that did not sign Asterisk's certificate", () => ({ ARI_CA_FILE: otherCa() })],
    ['no CA file (the system roots do not know the private CA)', () => ({ ARI_CA_FILE: '', NODE_TLS_REJECT_UNAUTHORIZED: '0' })],
  ])('refused with %s: not healthy, a certificate error logged, calls take the dialplan fallback', async (_what, extraEnv) => {
    daemon = await startDaemon({ configFile, prefix: uniquePrefix('tls'), env: { ARI_URL: ariHttpsUrl, ...extraEnv() } });
    expect(
      await eventually(
        () =>
          /ARI certificate not trusted \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/.test(
            daemon!.logs(),
          ),
        10_000,
        100,
      ),
    ).toBe(true);
    const health = await daemon.health();
    expect(health?.ready).toBe(false);
    expect(health?.ari).toBe('connecting');
    // No app registered: Stasis() fails and the dialplan rings the office.
    const office = await startUas({ behaviour: 'busy', port: officePort });
    try {
      expect((await call({ to: closed, expect: 486 })).finalCode).toBe(486);
      expect((await office.waitForInvites(1))[0]!.user).toBe(closed);
    } finally {
      await office.stop();
    }
  });
});

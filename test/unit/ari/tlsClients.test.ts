// The ARI REST client (both transports), the event websocket and the recording download
// against a local HTTPS server on [::1] behind a path prefix, with a private CA made by
// openssl: the same URL forms the daemon gets from ARI_URL, without Asterisk.
import { mkdtempSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Writable } from 'node:stream';
import { AriConnection } from '../../../src/ari/connection';
import { AriHttpError, AriRest, type AriRestClient } from '../../../src/ari/rest';
import { createAriRecordingFetcher } from '../../../src/crm/ariRecordings';
import { makePki } from '../../support/pki';

const { Server: WsServer } = require('ws') as { Server: new (o: { noServer: true }) => WsServerT };
interface WsClientT {
  send(s: string): void;
  close(): void;
}
interface WsServerT {
  handleUpgrade(req: IncomingMessage, socket: unknown, head: Buffer, cb: (ws: WsClientT) => void): void;
  close(): void;
}

describe('ARI clients over TLS, IPv6 and a path prefix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ah-tls-'));
  let good: ReturnType<typeof makePki>;
  let other: ReturnType<typeof makePki>;
  let server: Server;
  let wss: WsServerT;
  let port: number;
  const seen: Array<{ method?: string; url?: string; host?: string; auth?: string }> = [];
  const upgrades: Array<{ url?: string; auth?: string }> = [];

  beforeAll(async () => {
    good = makePki(dir, 'good');
    other = makePki(dir, 'other');
    server = createServer({ key: readFileSync(good.key), cert: readFileSync(good.cert) }, (req, res) => {
      seen.push({ method: req.method, url: req.url, host: req.headers.host, auth: req.headers.authorization });
      if (req.url?.startsWith('/asterisk/ari/recordings/stored/vm%2Fa/file')) {
        res.writeHead(200, { 'content-type': 'audio/wav' });
        res.end(Buffer.from('WAV'));
      } else if (req.url?.includes('missing')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"message":"Channel not found"}');
      } else if (req.url?.startsWith('/asterisk/ari/')) {
        res.writeHead(204);
        res.end();
      } else {
        res.writeHead(400);
        res.end();
      }
    });
    wss = new WsServer({ noServer: true });
    server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
      upgrades.push({ url: req.url, auth: req.headers.authorization });
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.send(JSON.stringify({ type: 'StasisStart', args: ['+48221234567'], channel: { id: 'c1' } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '::1', () => r()));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    wss?.close();
    server?.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const url = () => `https://[::1]:${port}/asterisk`;

  test.each<AriRestClient>(['own', 'agent', 'undici'])(
    'REST (%s): the reject reaches <prefix>/ari with Host and auth; errors keep the status',
    async (restClient) => {
      const rest = new AriRest({ url: url(), user: 'ah', password: 'pw', caFile: good.ca, restClient });
      try {
        seen.length = 0;
        await rest.hangup('chan-1', 'busy');
        await rest.hangup('chan-2', 'busy'); // the same kept-alive connection
        expect(seen).toEqual([
          {
            method: 'DELETE',
            url: '/asterisk/ari/channels/chan-1?reason=busy',
            host: `[::1]:${port}`,
            auth: `Basic ${Buffer.from('ah:pw').toString('base64')}`,
          },
          {
            method: 'DELETE',
            url: '/asterisk/ari/channels/chan-2?reason=busy',
            host: `[::1]:${port}`,
            auth: `Basic ${Buffer.from('ah:pw').toString('base64')}`,
          },
        ]);
        const err = await rest.hangup('missing', 'busy').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AriHttpError);
        expect((err as AriHttpError).status).toBe(404);
      } finally {
        rest.close();
      }
    },
  );

  test.each<AriRestClient>(['own', 'agent', 'undici'])('REST (%s): a server certificate from another CA is refused', async (restClient) => {
    const rest = new AriRest({ url: url(), user: 'ah', password: 'pw', caFile: other.ca, restClient, timeoutMs: 3000 });
    const before = seen.length;
    try {
      const err = await rest.hangup('chan-3', 'busy').catch((e: unknown) => e);
      expect((err as NodeJS.ErrnoException).code).toMatch(/CERT|SIGNATURE|ISSUER/);
      expect(seen.length).toBe(before);
    } finally {
      rest.close();
    }
  });

  test('REST without ARI_CA_FILE uses the system roots, so a private CA is refused (never unverified)', async () => {
    const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    const rest = new AriRest({ url: url(), user: 'ah', password: 'pw', timeoutMs: 3000 });
    try {
      const err = await rest.hangup('chan-4', 'busy').catch((e: unknown) => e);
      expect((err as NodeJS.ErrnoException).code).toMatch(/CERT|SIGNATURE|ISSUER/);
    } finally {
      rest.close();
      if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
    }
  });

  test('recording download: same URL and CA; 404 means gone', async () => {
    const fetchRecording = createAriRecordingFetcher({ url: url(), user: 'ah', password: 'pw', caFile: good.ca });
    const signal = new AbortController().signal;
    await expect(fetchRecording({ name: 'vm/a', format: 'wav' }, signal)).resolves.toEqual({
      filename: 'a.wav',
      content: Buffer.from('WAV'),
    });
    await expect(fetchRecording({ name: 'missing', format: 'wav' }, signal)).resolves.toBeNull();
    const wrong = createAriRecordingFetcher({ url: url(), user: 'ah', password: 'pw', caFile: other.ca });
    await expect(wrong({ name: 'vm/a', format: 'wav' }, signal)).rejects.toThrow(/ARI recording vm\/a: .*(certificate|issuer)/i);
  });

  function capture(): { log: pino.Logger; text: () => string } {
    let out = '';
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    return { log: pino({ level: 'debug' }, destination), text: () => out };
  }

  test('events: wss://[::1]/<prefix>/ari/events with the app and the Authorization header', async () => {
    const { log } = capture();
    const conn = new AriConnection({ url: url(), user: 'ah', password: 'pw', caFile: good.ca, app: 'ah-app', log });
    const got = new Promise<unknown>((r) => conn.once('StasisStart', r));
    conn.start();
    try {
      await expect(got).resolves.toMatchObject({ type: 'StasisStart', channel: { id: 'c1' } });
      expect(conn.state).toBe('registered');
      expect(upgrades.at(-1)).toEqual({ url: '/asterisk/ari/events?app=ah-app', auth: `Basic ${Buffer.from('ah:pw').toString('base64')}` });
    } finally {
      await conn.stop();
    }
  });

  test('events: another CA never registers and says why', async () => {
    const { log, text } = capture();
    const conn = new AriConnection({ url: url(), user: 'ah', password: 'pw', caFile: other.ca, app: 'ah-app', log });
    const before = upgrades.length;
    conn.start();
    try {
      const until = Date.now() + 5000;
      while (!/certificate not trusted/.test(text()) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(text()).toMatch(
        /ARI certificate not trusted \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/,
      );
      expect(conn.state).toBe('connecting');
      expect(upgrades.length).toBe(before);
    } finally {
      await conn.stop();
    }
  });
});

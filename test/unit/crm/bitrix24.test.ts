import { Writable } from 'node:stream';
import { PermanentCrmError, TransientCrmError } from '../../../src/crm/adapter';
import { createAriRecordingFetcher } from '../../../src/crm/ariRecordings';
import { Bitrix24Adapter, normaliseWebhookUrl } from '../../../src/crm/bitrix24';
import { createLogger } from '../../../src/shared/log';
import { TokenBucket } from '../../../src/crm/tokenBucket';
import { FakeBitrix24, parsePhpQuery } from '../../support/fakeBitrix24';
import { bitrixAdapter } from './harness';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const signal = (): AbortSignal => new AbortController().signal;

describe('Bitrix24 adapter', () => {
  let fake: FakeBitrix24;
  beforeEach(async () => {
    fake = await new FakeBitrix24().start();
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('auth errors are permanent and not retried', async () => {
    fake.expireToken();
    await expect(bitrixAdapter(fake).lookupCaller('+48600100200', signal())).rejects.toBeInstanceOf(PermanentCrmError);
    expect(fake.requests).toHaveLength(1);
  });

  it('a wrong token is permanent, and the message does not contain the webhook URL', async () => {
    const adapter = bitrixAdapter(fake, { webhookUrl: `http://127.0.0.1:${fake.port}/rest/1/wrong-token/` });
    const err = await adapter.lookupCaller('+48600100200', signal()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentCrmError);
    expect(String((err as Error).message)).toContain('NO_AUTH_FOUND');
    expect(String((err as Error).message)).not.toContain('wrong-token');
  });

  it('gives up on QUERY_LIMIT_EXCEEDED after its retries with a transient error', async () => {
    fake.rateLimitNext(10);
    await expect(bitrixAdapter(fake, { retries: 2 }).lookupCaller('+48600100200', signal())).rejects.toBeInstanceOf(TransientCrmError);
    expect(fake.requests).toHaveLength(3);
  });

  it('an unreachable portal is transient, and the message does not contain the URL', async () => {
    const port = fake.port;
    await fake.stop();
    const adapter = bitrixAdapter(fake, { webhookUrl: `http://127.0.0.1:${port}/rest/1/secret-token/`, retries: 1 });
    const err = await adapter.lookupCaller('+48600100200', signal()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientCrmError);
    expect(String((err as Error).message)).not.toContain('secret-token');
  });

  it('finds every matching record with its responsible user', async () => {
    fake.addRecord('COMPANY', ['+48600100200'], 5, 3);
    fake.addRecord('CONTACT', ['600100200', '+48600100200'], 6, 4);
    fake.addRecord('CONTACT', ['+48999999999'], 7, 5);
    const result = await bitrixAdapter(fake).lookupCaller('+48600100200', signal());
    expect(result).toEqual({
      kind: 'found',
      matches: expect.arrayContaining([
        { type: 'CONTACT', id: 4, responsibleUserId: 6 },
        { type: 'COMPANY', id: 3, responsibleUserId: 5 },
      ]),
    });
    expect(result.kind === 'found' && result.matches).toHaveLength(2);
  });

  it('reports not-found', async () => {
    await expect(bitrixAdapter(fake).lookupCaller('+48600100200', signal())).resolves.toEqual({ kind: 'not-found' });
  });

  it('never serialises its webhook URL', () => {
    expect(JSON.stringify({ adapter: bitrixAdapter(fake) })).not.toContain(fake.token);
  });
});

describe('normaliseWebhookUrl', () => {
  it.each([
    ['https://p.bitrix24.pl/rest/1/abc', 'https://p.bitrix24.pl/rest/1/abc/'],
    ['https://p.bitrix24.pl/rest/1/abc/', 'https://p.bitrix24.pl/rest/1/abc/'],
    ['https://p.bitrix24.pl/rest/1/abc/profile.json', 'https://p.bitrix24.pl/rest/1/abc/'],
  ])('%s', (raw, expected) => expect(normaliseWebhookUrl(raw)).toBe(expected));

  it.each(['not a url', 'ftp://p/rest/1/abc/', 'https://p.bitrix24.pl/'])('refuses %s without echoing it', (raw) => {
    expect(() => normaliseWebhookUrl(raw)).toThrow(/BITRIX24_WEBHOOK_URL/);
  });

  it('refuses http:// (the token would travel in clear) unless explicitly allowed, without echoing the token', () => {
    const raw = 'http://p.bitrix24.pl/rest/1/TOPSECRET/';
    let message = '';
    try {
      normaliseWebhookUrl(raw);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^BITRIX24_WEBHOOK_URL must be https:\/\/.*BITRIX24_ALLOW_INSECURE_HTTP=1/);
    expect(message).not.toContain('TOPSECRET');
    expect(() => new Bitrix24Adapter({ webhookUrl: raw })).toThrow(/must be https/);
    expect(normaliseWebhookUrl(raw, { allowInsecureHttp: true })).toBe(raw);
  });
});

describe('TokenBucket', () => {
  it('lets a burst through, then one request per 1/rate seconds', async () => {
    let now = 0;
    const slept: number[] = [];
    const bucket = new TokenBucket({
      ratePerSecond: 2,
      burst: 2,
      now: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    });
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      await bucket.take();
      times.push(now);
    }
    expect(times).toEqual([0, 0, 500, 1000, 1500]);
  });

  it('refills after a quiet spell, up to the burst', async () => {
    let now = 0;
    const bucket = new TokenBucket({ ratePerSecond: 2, burst: 3, now: () => now, sleep: async (ms) => void (now += ms) });
    for (let i = 0; i < 3; i++) await bucket.take();
    now += 10_000;
    const start = now;
    for (let i = 0; i < 3; i++) await bucket.take();
    expect(now).toBe(start);
    await bucket.take();
    expect(now).toBe(start + 500);
  });
});

describe('parsePhpQuery (fake portal accepts form-encoded bodies)', () => {
  it('nests brackets and makes arrays of numeric keys', () => {
    expect(parsePhpQuery('type=PHONE&values[0]=%2B48600&values[1]=48600&fields[PHONE][0][VALUE]=1')).toEqual({
      type: 'PHONE',
      values: ['+48600', '48600'],
      fields: { PHONE: [{ VALUE: '1' }] },
    });
  });
});

describe('ARI recording fetcher', () => {
  it("GETs the stored recording with basic auth; 404 means gone; the adapter's close() closes its connections", async () => {
    const seen: { url?: string; auth?: string }[] = [];
    const server = createServer((req, res) => {
      seen.push({ url: req.url, auth: req.headers.authorization });
      if (req.url?.includes('gone')) {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.end(Buffer.from('WAVDATA'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const fetchRecording = createAriRecordingFetcher({ url: `http://127.0.0.1:${port}/ari/`, user: 'ah', password: 'pw' });
    try {
      await expect(fetchRecording({ name: 'vm/abc', format: 'wav' }, signal())).resolves.toEqual({
        filename: 'abc.wav',
        content: Buffer.from('WAVDATA'),
      });
      await expect(fetchRecording({ name: 'gone', format: 'wav' }, signal())).resolves.toBeNull();
      expect(seen[0]).toEqual({ url: '/ari/recordings/stored/vm%2Fabc/file', auth: `Basic ${Buffer.from('ah:pw').toString('base64')}` });
      // The worker's stop closes the adapter, and the adapter the download's connections.
      const close = jest.spyOn(fetchRecording, 'close');
      await new Bitrix24Adapter({ webhookUrl: 'https://portal.example/rest/1/t/', fetchRecording }).close();
      expect(close).toHaveBeenCalledTimes(1);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('CRM logger', () => {
  it('redacts webhook URLs and secrets by path', () => {
    let out = '';
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    const logger = createLogger('after-hours-crm', { level: 'info', destination });
    logger.info(
      {
        env: { BITRIX24_WEBHOOK_URL: 'https://p/rest/1/TOPSECRET/', WEBHOOK_SECRET: 'HMACSECRET' },
        webhookUrl: 'https://p/rest/1/TOPSECRET2/',
      },
      'config',
    );
    expect(out).toContain('[redacted]');
    expect(out).not.toMatch(/TOPSECRET|HMACSECRET/);
  });
});

// Bitrix24 as a local application: OAuth tokens in Redis shared by several workers, external
// lines registered once, one request budget for all workers, failures described in words.
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { PermanentCrmError, TransientCrmError } from '../../../src/crm/adapter';
import { listDead } from '../../../src/crm/deadLetters';
import { bitrix24Keys } from '../../../src/crm/keys';
import { RedisRateLimiter } from '../../../src/crm/rateLimiter';
import { EventStream, type StreamKeys } from '../../../src/store/eventStream';
import type { AfterHoursEvent } from '../../../src/events/types';
import { createLogger } from '../../../src/shared/log';
import { authorizationCode } from '../../../src/cli/crmWorker';
import { FakeBitrix24 } from '../../support/fakeBitrix24';
import { startRedisServer, type RedisServer } from '../../support/redisServer';
import { makeEvent } from './fixtures';
import { appAdapter, appAuth, authorise, bitrixAdapter, freshKeys, metricValue, startWorker, waitFor, type Running } from './harness';

jest.setTimeout(30_000);

let server: RedisServer;
let fake: FakeBitrix24;
let keys: StreamKeys;
const running: Running[] = [];
const signal = (): AbortSignal => new AbortController().signal;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  fake = await new FakeBitrix24().start();
  keys = freshKeys();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.worker.stop()));
  await fake.stop();
});

async function run(options: Parameters<typeof startWorker>[2]): Promise<Running> {
  const r = await startWorker(server, keys, options);
  running.push(r);
  return r;
}

async function emit(...events: AfterHoursEvent[]): Promise<void> {
  const stream = new EventStream(server.client(), keys);
  for (const e of events) await stream.append(e);
}

async function processed(workers: Running[]): Promise<number> {
  const counts = await Promise.all(workers.map((w) => metricValue(w.metrics, 'after_hours_crm_events_processed_total')));
  return counts.reduce((a, b) => a + b, 0);
}

const offer = (caller: string, did = '+48221002030', name = 'Sales'): AfterHoursEvent => {
  const e = makeEvent({ caller, did, name });
  return { ...e, crm: { ...e.crm, unknownCaller: 'lead' } };
};

describe('OAuth tokens of the local application', () => {
  it("the install handshake: the administrator's code becomes tokens in Redis; requests carry the access token", async () => {
    const redis = server.client();
    await authorise(fake, redis, keys);
    const stored = await redis.hgetall(bitrix24Keys(keys).oauth);
    expect(stored).toMatchObject({ member_id: expect.any(String), access_token: expect.any(String), refresh_token: expect.any(String) });
    expect(Number(stored.expires_at)).toBeGreaterThan(Date.now() + 3500_000);
    await expect(appAdapter(fake, redis, keys).lookupCaller('+48600100200', signal())).resolves.toEqual({ kind: 'not-found' });
    expect(fake.requests).toEqual([{ method: 'crm.duplicate.findbycomm', status: 200, via: 'application' }]);
    expect(fake.tokenRequests).toEqual([{ grantType: 'authorization_code', status: 200 }]);
  });

  it('a code is valid once: a second exchange is refused with the way out', async () => {
    const code = fake.issueAuthorizationCode();
    const auth = appAuth(fake, server.client(), keys);
    await auth.exchangeCode(code);
    const err = await auth.exchangeCode(code).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentCrmError);
    expect((err as Error).message).toMatch(/invalid_grant.*crm-worker bitrix24-auth/);
    expect((err as Error).message).not.toContain(fake.clientSecret);
  });

  it('without tokens the application says how to authorise it', async () => {
    const err = await appAdapter(fake, server.client(), keys)
      .lookupCaller('+48600100200', signal())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentCrmError);
    expect((err as Error).message).toContain('after-hours crm-worker bitrix24-auth');
    expect(fake.requests).toHaveLength(0);
  });

  it('is refreshed before it expires: no request ever meets an expired token', async () => {
    const redis = server.client();
    let now = Date.now();
    fake.now = () => now;
    await authorise(fake, redis, keys);
    const adapter = appAdapter(fake, redis, keys, { authOptions: { now: () => now, refreshMarginMs: 5 * 60_000 } });
    await adapter.lookupCaller('+48600100200', signal());
    now += 3600_000 - 4 * 60_000; // four minutes before expiry: inside the margin
    await adapter.lookupCaller('+48600100200', signal());
    expect(fake.tokenRequests.map((t) => t.grantType)).toEqual(['authorization_code', 'refresh_token']);
    expect(fake.requests.map((r) => r.status)).toEqual([200, 200]);
  });

  it('a token that expires mid-run is refreshed once, by one worker, while the others wait and use the new one', async () => {
    const redis = server.client();
    await authorise(fake, redis, keys);
    // Which worker saw which answer, from each worker's own fetch.
    const expiredSeenBy = new Set<string>();
    const workers = await Promise.all(
      ['w1', 'w2', 'w3'].map(async (name) => {
        const seeing: typeof fetch = async (input, init) => {
          const res = await fetch(input, init);
          if (res.status === 401) expiredSeenBy.add(name);
          return res;
        };
        return run({ adapter: appAdapter(fake, server.client(), keys, { fetch: seeing }), consumer: name, batchSize: 1, blockMs: 100 });
      }),
    );
    await emit(...['+48600100201', '+48600100202', '+48600100203'].map((c) => offer(c)));
    await waitFor(async () => (await processed(workers)) === 3, 'the first events');
    expect(fake.tokenRequests).toHaveLength(1);

    fake.expireAccessTokens();
    fake.tokenDelayMs = 400; // the refresh is in flight while the other workers meet the expired token
    await emit(...['+48600100204', '+48600100205', '+48600100206', '+48600100207', '+48600100208', '+48600100209'].map((c) => offer(c)));
    await waitFor(async () => (await processed(workers)) + (await redis.xlen(keys.dead)) === 9, 'every event done or dead');

    expect(fake.tokenRequests).toEqual([
      { grantType: 'authorization_code', status: 200 },
      { grantType: 'refresh_token', status: 200 },
    ]);
    expect(expiredSeenBy.size).toBeGreaterThanOrEqual(2); // more than one worker needed a new token
    expect(await redis.xlen(keys.dead)).toBe(0);
    expect(fake.leads()).toHaveLength(9);
    expect(fake.seen()).toEqual(Array(9).fill(11));
    // After the refresh nothing met an expired token again.
    const lastExpired = fake.requests.map((r) => r.error).lastIndexOf('expired_token');
    expect(fake.requests.slice(lastExpired + 1).every((r) => r.status === 200)).toBe(true);
  });

  it('a refresh token the OAuth server refuses dead-letters the event with the way out', async () => {
    const redis = server.client();
    await authorise(fake, redis, keys);
    await redis.hset(bitrix24Keys(keys).oauth, 'refresh_token', 'revoked');
    fake.expireAccessTokens();
    await emit(offer('+48600100201'));
    await run({ adapter: appAdapter(fake, redis, keys) });
    await waitFor(async () => (await redis.xlen(keys.dead)) === 1, 'a dead letter');
    const [dead] = await listDead(redis, keys);
    expect(dead?.error).toMatch(/bitrix24 token refresh_token: invalid_grant .*after-hours crm-worker bitrix24-auth/);
    expect(dead?.error).not.toContain(fake.clientSecret);
  });
});

describe('external lines', () => {
  it('each DID is registered once, with its name, by one of several workers; LINE_NUMBER goes with every call', async () => {
    const redis = server.client();
    await authorise(fake, redis, keys);
    const workers = await Promise.all(
      ['w1', 'w2', 'w3'].map((name) =>
        run({ adapter: appAdapter(fake, server.client(), keys), consumer: name, batchSize: 1, blockMs: 100 }),
      ),
    );
    const sales = ['+48600100201', '+48600100202', '+48600100203', '+48600100204'].map((c) => offer(c));
    const support = ['+48600100205', '+48600100206'].map((c) => offer(c, '+48221002040', 'Support'));
    await emit(...sales, ...support);
    await waitFor(async () => (await processed(workers)) === 6, 'every event');
    expect(
      fake.lines
        .map(({ number, name, crmAutoCreate }) => ({ number, name, crmAutoCreate }))
        .sort((a, b) => a.number.localeCompare(b.number)),
    ).toEqual([
      { number: '+48221002030', name: 'Sales', crmAutoCreate: 'N' },
      { number: '+48221002040', name: 'Support', crmAutoCreate: 'N' },
    ]);
    expect(fake.requestsFor('telephony.externalLine.add')).toHaveLength(2);
    expect(fake.requestsFor('telephony.externalLine.get')).toHaveLength(2);
    expect([...fake.calls.values()].map((c) => c.line).sort()).toEqual([
      '+48221002030',
      '+48221002030',
      '+48221002030',
      '+48221002030',
      '+48221002040',
      '+48221002040',
    ]);
  });

  it('a line deleted in Bitrix24 is registered again once the remembered check runs out; a renamed number is renamed', async () => {
    const redis = server.client();
    await authorise(fake, redis, keys);
    const r = await run({ adapter: appAdapter(fake, redis, keys) });
    await emit(offer('+48600100201'));
    await waitFor(async () => (await processed([r])) === 1, 'first event');
    fake.lines.splice(0);
    await redis.del(bitrix24Keys(keys).line('+48221002030')); // as if a day went by
    await emit(offer('+48600100202', '+48221002030', 'Sales desk'));
    await waitFor(async () => (await processed([r])) === 2, 'second event');
    expect(fake.lines.map((l) => l.name)).toEqual(['Sales desk']);
    expect(fake.requestsFor('telephony.externalLine.add')).toHaveLength(2);
  });

  it('a webhook does not register lines (the methods are application-only) but still passes LINE_NUMBER', async () => {
    await emit(offer('+48600100201'));
    const r = await run({ adapter: bitrixAdapter(fake, { redis: server.client(), keys }) });
    await waitFor(async () => (await processed([r])) === 1, 'the event');
    expect(fake.requestsFor('telephony.externalLine.add')).toHaveLength(0);
    expect([...fake.calls.values()][0]?.line).toBe('+48221002030');
  });
});

describe('WRONG_AUTH_TYPE: a portal that allows telephony only to an application', () => {
  it('a webhook gets a dead letter that says to use the application', async () => {
    fake.appOnlyTelephony = true;
    await emit(offer('+48600100201'));
    const r = await run({ adapter: bitrixAdapter(fake) });
    await waitFor(async () => (await r.redis.xlen(keys.dead)) === 1, 'a dead letter');
    const [dead] = await listDead(r.redis, keys);
    expect(dead?.error).toMatch(/WRONG_AUTH_TYPE.*only to an application, not to a webhook.*BITRIX24_CLIENT_ID/);
  });

  it('the application goes through', async () => {
    fake.appOnlyTelephony = true;
    const redis = server.client();
    await authorise(fake, redis, keys);
    await emit(offer('+48600100201'));
    const r = await run({ adapter: appAdapter(fake, redis, keys) });
    await waitFor(async () => (await processed([r])) === 1, 'the event');
    expect(fake.leads()).toHaveLength(1);
  });
});

describe('one request budget for every worker (Redis token bucket)', () => {
  it('three limiters on one key together keep to the rate', async () => {
    const key = `${keys.prefix}rate`;
    const limiters = [1, 2, 3].map(() => new RedisRateLimiter({ redis: server.client(), key, ratePerSecond: 50, burst: 1 }));
    const started = Date.now();
    const times: number[] = [];
    await Promise.all(
      limiters.map(async (l) => {
        for (let i = 0; i < 10; i++) {
          await l.take();
          times.push(Date.now() - started);
        }
      }),
    );
    // 30 requests at 50/s with a burst of 1: the last one no sooner than 29/50 s after the first.
    expect(Math.max(...times)).toBeGreaterThanOrEqual(29 * 20 - 30);
    // No 100 ms window holds more than 5 + the burst.
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 100).length).toBeLessThanOrEqual(7);
  });

  it('the adapter takes its tokens from Redis when given it', async () => {
    const redis = server.client();
    const adapter = bitrixAdapter(fake, { redis, keys, ratePerSecond: 5, burst: 1 });
    await adapter.lookupCaller('+48600100200', signal());
    expect(await redis.exists(bitrix24Keys(keys).rate)).toBe(1);
  });
});

describe('failures in words', () => {
  it('a refused connection names the address (without the token) and the code', async () => {
    const port = fake.port;
    await fake.stop();
    const adapter = bitrixAdapter(fake, { webhookUrl: `http://127.0.0.1:${port}/rest/1/secret-token/`, retries: 0 });
    const err = await adapter.lookupCaller('+48600100200', signal()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientCrmError);
    expect((err as Error).message).toBe(
      `bitrix24 crm.duplicate.findbycomm: connection refused to http://127.0.0.1:${port}/rest/…/crm.duplicate.findbycomm.json (ECONNREFUSED)`,
    );
  });

  it('the worker logs how long after the call the CRM work was done, and observes it in a histogram', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    const logger: Logger = createLogger('test', { level: 'info', destination });
    const time = new Date(Date.now() - 90_000).toISOString();
    await emit({ ...offer('+48600100201'), time });
    const r = await run({ adapter: bitrixAdapter(fake), logger });
    await waitFor(() => lines.some((l) => l.msg === 'crm work done'), 'the done line');
    const done = lines.find((l) => l.msg === 'crm work done');
    expect(done?.delayMs).toBeGreaterThanOrEqual(90_000);
    expect(done?.delayMs).toBeLessThan(120_000);
    const text = await r.metrics.registry.metrics();
    expect(text).toContain('after_hours_crm_event_delay_seconds_count{adapter="bitrix24",outcome="done"} 1');
    expect(text).toMatch(/after_hours_crm_event_delay_seconds_bucket\{le="60",adapter="bitrix24",outcome="done"\} 0/);
    expect(text).toMatch(/after_hours_crm_event_delay_seconds_bucket\{le="120",adapter="bitrix24",outcome="done"\} 1/);
  });
});

describe('crm-worker bitrix24-auth reads the pasted answer', () => {
  it('takes the code from the redirect address, checking the state', () => {
    expect(authorizationCode('https://localhost/after-hours?code=abc123&state=s1&domain=p.bitrix24.pl', 's1')).toBe('abc123');
    expect(() => authorizationCode('https://localhost/after-hours?code=abc123&state=other', 's1')).toThrow(/another authorisation/);
    expect(() => authorizationCode('https://localhost/after-hours?state=s1', 's1')).toThrow(/no code/);
  });

  it('takes a bare code, refuses anything else', () => {
    expect(authorizationCode(' code=abc123 \n')).toBe('abc123');
    expect(() => authorizationCode('abc 123; rm')).toThrow(/neither an address nor an authorization code/);
  });
});

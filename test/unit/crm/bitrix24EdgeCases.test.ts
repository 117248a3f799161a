// Bitrix24's own behaviour in its edge cases (issue 27), each against the fake portal modelling
// what the REST reference and the telephony module document: users who left, a voicemail that
// must stay a missed call, errors inside successful answers, webhook notifications without tags,
// the 30-minute reuse window, the lead source, lost OAuth answers and the operation time limit.
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { listDead } from '../../../src/crm/deadLetters';
import { EventStream, type StreamKeys } from '../../../src/store/eventStream';
import type { AfterHoursEvent } from '../../../src/events/types';
import { crmWorkerHealth } from '../../../src/crm/worker';
import { startHttpServer } from '../../../src/shared/httpServer';
import { createLogger } from '../../../src/shared/log';
import { FakeBitrix24 } from '../../support/fakeBitrix24';
import { startRedisServer, type RedisServer } from '../../support/redisServer';
import { makeEvent } from './fixtures';
import {
  appAdapter,
  appAuth,
  authorise,
  bitrixAdapter,
  freshKeys,
  metricValue,
  pendingCount,
  startWorker,
  VOICEMAIL_BYTES,
  waitFor,
  type Running,
} from './harness';

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

function withCrm(patch: Partial<AfterHoursEvent['crm']>, event: AfterHoursEvent = makeEvent()): AfterHoursEvent {
  return { ...event, crm: { ...event.crm, ...patch } };
}

async function settle(r: Running, count = 1): Promise<void> {
  await waitFor(async () => (await metricValue(r.metrics, 'after_hours_crm_events_processed_total')) >= count, 'events processed');
  expect(await pendingCount(r.redis, keys)).toBe(0);
}

/** A logger whose JSON lines the test reads. */
function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('test', { level: 'info', destination }), lines };
}

/** A fetch that fails the first `n` requests whose URL contains `what` before sending them (a refused connection). */
function failing(what: string, n: number): typeof fetch {
  let left = n;
  return async (input, init) => {
    if (left > 0 && String(input).includes(what)) {
      left--;
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    }
    return fetch(input, init);
  };
}

const methods = (name: string): number => fake.requestsFor(name).length;

describe('the responsible user has left', () => {
  it("the call goes to the number's first active queue user, who finishes it and is notified; the log says why", async () => {
    const contact = fake.addRecord('CONTACT', ['+48600100200'], 42);
    fake.deactivateUser(42, 11);
    const { logger, lines } = capture();
    await emit(makeEvent()); // queue [11, 12, 13]
    const r = await run({ adapter: bitrixAdapter(fake, { logger }), logger });
    await settle(r);
    const [call] = [...fake.calls.values()];
    expect(call).toMatchObject({ userId: 12, entity: { type: 'CONTACT', id: contact.id }, finished: { statusCode: '304' } });
    expect(fake.activities).toEqual([expect.objectContaining({ ownerId: contact.id, responsibleId: 12 })]);
    expect([...fake.notifications.values()].map((n) => n.userId)).toEqual([12]);
    expect(await r.redis.xlen(keys.dead)).toBe(0);
    const why = lines.filter((l) => String(l.msg).includes('not found or not active')).map((l) => [l.userId, l.next]);
    expect(why).toEqual([
      [42, 11],
      [11, 12],
    ]);
  });

  it('an inactive first queue user: the lead is created under the next one', async () => {
    fake.deactivateUser(11);
    await emit(makeEvent());
    const r = await run({ adapter: bitrixAdapter(fake) });
    await settle(r);
    expect(fake.leads()).toEqual([expect.objectContaining({ assignedById: 12 })]);
    expect([...fake.notifications.values()].map((n) => n.userId)).toEqual([12]);
  });

  it('nobody left to take the call: dead-lettered at once, saying who and what to change', async () => {
    fake.addRecord('CONTACT', ['+48600100200'], 42);
    fake.deactivateUser(42, 11, 12, 13);
    await emit(makeEvent());
    const r = await run({ adapter: bitrixAdapter(fake) });
    await waitFor(async () => (await r.redis.xlen(keys.dead)) === 1, 'a dead letter');
    const [dead] = await listDead(r.redis, keys);
    expect(dead?.deliveries).toBe(1);
    expect(dead?.error).toContain('42, 11, 12, 13 are not found or not active');
    expect(dead?.error).toContain('crm.queue');
  });

  it('a late retry finishes the call with the user who took it, not the one who left', async () => {
    fake.addRecord('CONTACT', ['+48600100200'], 42);
    fake.deactivateUser(42);
    await emit(makeEvent());
    // The first delivery registers the call under user 11, then cannot reach the portal for finish.
    const r = await run({ adapter: bitrixAdapter(fake, { fetch: failing('externalcall.finish', 1), retries: 0 }), claimIdleMs: 150 });
    await settle(r);
    expect(methods('telephony.externalcall.register')).toBe(2); // 42 refused, 11 taken
    const [call] = [...fake.calls.values()];
    expect(call).toMatchObject({ userId: 11, finished: { statusCode: '304' } });
    expect(fake.activities).toEqual([expect.objectContaining({ responsibleId: 11 })]);
  });
});

describe('a voicemail is a missed call', () => {
  it('finished as missed with no duration: the activity, the missed-calls list and the statistics agree; the recording is attached and its length is in the notification', async () => {
    fake.addRecord('CONTACT', ['+48600100200'], 42);
    await emit(makeEvent()); // a 72 s voicemail
    const r = await run({ adapter: bitrixAdapter(fake) });
    await settle(r);
    const [call] = [...fake.calls.values()];
    expect(call?.finished).toMatchObject({ statusCode: '304', durationSeconds: 0, callStatus: 0 });
    expect(fake.activities).toEqual([expect.objectContaining({ statusCode: '304', missed: true, description: '' })]);
    expect(fake.missedCalls()).toHaveLength(1);
    expect(call?.records).toEqual([{ filename: 'vm-1.wav', bytes: VOICEMAIL_BYTES.length, content: VOICEMAIL_BYTES }]);
    expect([...fake.notifications.values()][0]?.message).toContain('voicemail (1 min 12 s)');
  });
});

describe('errors inside a successful answer', () => {
  it('LEAD_CREATION_ERROR fails the register step: retried, then dead-lettered with the reason in words; nothing is finished', async () => {
    fake.leadCreationDisabled = true;
    await emit(makeEvent());
    const r = await run({ adapter: bitrixAdapter(fake), claimIdleMs: 100, maxDeliveries: 3 });
    await waitFor(async () => (await r.redis.xlen(keys.dead)) === 1, 'a dead letter');
    const [dead] = await listDead(r.redis, keys);
    expect(dead?.deliveries).toBe(3);
    expect(dead?.error).toContain('no lead was created for +48600100200: Lead creation is disabled');
    expect(dead?.error).toContain('crm.unknownCaller: offer');
    expect(methods('telephony.externalcall.register')).toBe(3);
    expect(methods('telephony.externalcall.finish')).toBe(0);
    expect(fake.activities).toHaveLength(0);
  });

  it('a lead refused once is created by the retry once the portal allows it', async () => {
    fake.leadCreationDisabled = true;
    fake.onRequest = (method) => {
      if (method === 'telephony.externalcall.register') fake.leadCreationDisabled = false;
    };
    await emit(makeEvent());
    const r = await run({ adapter: bitrixAdapter(fake), claimIdleMs: 100 });
    await settle(r);
    expect(fake.leads()).toHaveLength(1);
    expect(fake.activities).toEqual([expect.objectContaining({ ownerTypeId: 1 })]);
  });

  it("finish's ERRORS (ACTIVITY_CREATION) fail the finish step: retried, then dead-lettered with the reason; the call is registered once", async () => {
    fake.addRecord('CONTACT', ['+48600100200'], 42);
    fake.activityCreationFails = true;
    await emit(makeEvent());
    const r = await run({ adapter: bitrixAdapter(fake), claimIdleMs: 100, maxDeliveries: 3 });
    await waitFor(async () => (await r.redis.xlen(keys.dead)) === 1, 'a dead letter');
    const [dead] = await listDead(r.redis, keys);
    expect(dead?.deliveries).toBe(3);
    expect(dead?.error).toMatch(
      /finish: the call externalCall\.\d+ was saved with errors: ACTIVITY_CREATION: Could not create the CRM activity/,
    );
    expect(methods('telephony.externalcall.register')).toBe(1);
    expect(methods('telephony.externalcall.finish')).toBe(3);
  });
});

describe('a late retry', () => {
  it('more than 30 minutes after CALL_START_DATE keeps the CALL_ID the journal has: one call in Bitrix24', async () => {
    fake.addRecord('CONTACT', ['+48600100200'], 42);
    const event = makeEvent();
    const callStart = Date.parse(event.time);
    let now = callStart + 60_000;
    fake.now = () => now;
    fake.activityCreationFails = true;
    // The first delivery registers (within the reuse window) and finish is answered with ERRORS.
    fake.onRequest = (method) => {
      if (method === 'telephony.externalcall.finish') now = callStart + 60 * 60_000; // the worker was down for an hour
    };
    await emit(event);
    const r = await run({ adapter: bitrixAdapter(fake), claimIdleMs: 100, maxDeliveries: 2 });
    await waitFor(async () => (await r.redis.xlen(keys.dead)) === 1, 'a dead letter');
    expect(fake.calls.size).toBe(1);
    expect(methods('telephony.externalcall.register')).toBe(1);
    const [dead] = await listDead(r.redis, keys);
    expect(dead?.error).toContain('ACTIVITY_CREATION'); // not "finished already"
  });
});

describe('notifications through a webhook (the portal drops TAG without a client id)', () => {
  it("each user's notification is a journal step of its own: a redelivery notifies only the user whose send failed", async () => {
    await emit(withCrm({ unknownCaller: 'offer', notify: 'all' }));
    let sent = 0;
    const secondFails: typeof fetch = async (input, init) => {
      if (String(input).includes('im.notify') && ++sent === 2) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
      return fetch(input, init);
    };
    const r = await run({ adapter: bitrixAdapter(fake, { fetch: secondFails, retries: 0 }), claimIdleMs: 100 });
    await settle(r);
    expect(fake.seen()).toEqual([11, 12, 13]);
    expect([...fake.notifications.values()].every((n) => n.tag === undefined)).toBe(true); // a webhook: no tag kept
  });

  it('an application sends the tag and the portal keeps it: a repeat replaces', async () => {
    const redis = server.client();
    await authorise(fake, redis, keys);
    const adapter = appAdapter(fake, redis, keys, { registerLines: false });
    const event = withCrm({ unknownCaller: 'offer' });
    const journal = { get: async () => undefined, set: async () => undefined };
    const actions = [{ kind: 'notify', userId: 11, text: 'x', tag: `after-hours:${event.id}` }] as const;
    await adapter.apply(event, [...actions], { journal, signal: signal() });
    await adapter.apply(event, [...actions], { journal, signal: signal() });
    expect(fake.requestsFor('im.notify.system.add')).toHaveLength(2);
    expect(fake.notificationsFor(11)).toEqual([expect.objectContaining({ tag: `after-hours:${event.id}:11` })]);
  });
});

describe('lead source', () => {
  it("a number's crm.source goes with the register as CRM_SOURCE and becomes the lead's source", async () => {
    await emit(withCrm({ source: 'WEB' }));
    const r = await run({ adapter: bitrixAdapter(fake) });
    await settle(r);
    expect([...fake.calls.values()][0]?.crmSource).toBe('WEB');
    expect(fake.leads()).toEqual([expect.objectContaining({ sourceId: 'WEB' })]);
  });
});

describe('OAuth: a refresh token rotated by someone else', () => {
  it('another process stored a new pair while this refresh used the old token: the pair is read again and used', async () => {
    const redis = server.client();
    await authorise(fake, redis, keys);
    fake.expireAccessTokens();
    const other = appAuth(fake, redis, keys);
    let raced = false;
    // Just before this worker's refresh goes out, another process (its lock ran out, or
    // `crm-worker bitrix24-auth --refresh-token`) rotates the same refresh token and stores the pair.
    const racing: typeof fetch = async (input, init) => {
      if (!raced && String(input).includes('/oauth/token/')) {
        raced = true;
        const stored = await appAuth(fake, redis, keys).read();
        await other.adoptRefreshToken(stored?.refreshToken ?? '');
      }
      return fetch(input, init);
    };
    const auth = appAuth(fake, redis, keys, { fetch: racing });
    const stale = (await auth.read())?.accessToken ?? '';
    const token = await auth.refresh(stale, signal());
    expect(fake.tokenRequests.map((t) => t.error ?? t.status)).toEqual([200, 200, 'invalid_grant']);
    expect(token).toBe((await auth.read())?.accessToken);
    expect(auth.health()).toEqual({ ready: true });
  });

  it('the refresh answer was lost after the rotation: /healthz and the log say a new authorisation is needed, until it is done', async () => {
    const redis = server.client();
    await authorise(fake, redis, keys);
    fake.expireAccessTokens();
    fake.loseTokenAnswers = 1;
    const { logger, lines } = capture();
    const adapter = appAdapter(fake, redis, keys, { logger, registerLines: false, retries: 0, authOptions: { logger } });
    await emit(withCrm({ unknownCaller: 'offer' }));
    const r = await run({ adapter, logger, claimIdleMs: 100 });
    await waitFor(async () => (await r.redis.xlen(keys.dead)) === 1, 'a dead letter');
    const [dead] = await listDead(r.redis, keys);
    expect(dead?.error).toMatch(/needs a new authorisation.*run after-hours crm-worker bitrix24-auth/);
    expect(adapter.health()).toMatchObject({ ready: false, problem: expect.stringContaining('needs a new authorisation') });
    const http = await startHttpServer({ port: 0, host: '127.0.0.1', health: () => crmWorkerHealth([r.worker], [adapter]) });
    const healthz = async (): Promise<[number, { crm?: string[] }]> => {
      const res = await fetch(`http://127.0.0.1:${http.port}/healthz`);
      return [res.status, (await res.json()) as { crm?: string[] }];
    };
    try {
      const [status, body] = await healthz();
      expect(status).toBe(503);
      expect(body.crm).toEqual([expect.stringMatching(/needs a new authorisation.*crm-worker bitrix24-auth/)]);
    } finally {
      await http.close();
    }
    expect(lines.filter((l) => l.level === 50 && String(l.msg).includes('needs a new authorisation'))).toHaveLength(1);
    // The administrator authorises again: the next probe finds the new pair.
    await authorise(fake, redis, keys);
    adapter.health();
    await waitFor(() => adapter.health().ready, 'ready again');
  });
});

describe('operation time limit', () => {
  it('OPERATION_TIME_LIMIT: the worker waits until operating_reset_at and completes the event without spending a delivery', async () => {
    let now = Date.now();
    fake.now = () => now;
    fake.blockMethod('telephony.externalcall.register', 10 * 60_000);
    const slept: number[] = [];
    const clock = {
      now: () => now,
      sleep: async (ms: number) => {
        slept.push(ms);
        now += ms;
      },
    };
    await emit(makeEvent());
    const r = await run({ adapter: bitrixAdapter(fake, { now: () => now }), clock, maxDeliveries: 1 });
    await settle(r);
    expect(await r.redis.xlen(keys.dead)).toBe(0);
    expect(fake.requestsFor('telephony.externalcall.register').map((q) => q.status)).toEqual([429, 200]);
    expect(slept).toHaveLength(1);
    expect(slept[0]).toBeGreaterThan(9 * 60_000);
    expect(slept[0]).toBeLessThanOrEqual(10 * 60_000 + 1000);
    expect(fake.leads()).toHaveLength(1);
  });
});

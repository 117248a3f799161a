// The CRM worker against a real redis-server and a fake Bitrix24 portal.
import { TransientCrmError, type CrmAdapter } from '../../../src/crm/adapter';
import { listDead, retryAllDead, retryDead } from '../../../src/crm/deadLetters';
import { EventStream, FIELD_EVENT, FIELD_ID, type StreamKeys } from '../../../src/store/eventStream';
import type { AfterHoursEvent } from '../../../src/events/types';
import { InvalidEventError } from '../../../src/events/validate';
import { FakeBitrix24 } from '../../support/fakeBitrix24';
import { startRedisServer, type RedisServer } from '../../support/redisServer';
import { makeEvent } from './fixtures';
import {
  addDeadLetter,
  appAdapter,
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

function withCrm(patch: Partial<AfterHoursEvent['crm']>, event: AfterHoursEvent = makeEvent()): AfterHoursEvent {
  return { ...event, crm: { ...event.crm, ...patch } };
}

async function emit(...events: AfterHoursEvent[]): Promise<void> {
  const stream = new EventStream(server.client(), keys);
  for (const e of events) await stream.append(e);
}

/** Waits until `count` events completed, then checks nothing is left pending. */
async function settle(r: Running, count = 1): Promise<void> {
  await waitFor(async () => (await metricValue(r.metrics, 'after_hours_crm_events_processed_total')) >= count, 'events processed');
  expect(await pendingCount(r.redis, keys)).toBe(0);
}

describe('each seed rule ends with the right records and notifications', () => {
  it('look-up off: the first queue user is notified, nothing is recorded', async () => {
    fake.addRecord('CONTACT', ['+48600100200'], 42);
    await emit(withCrm({ lookup: false }));
    const r = await run({ adapter: bitrixAdapter(fake) });
    await settle(r);
    expect(fake.calls.size).toBe(0);
    expect(fake.requests.map((q) => q.method)).toEqual(['im.notify.system.add']);
    expect(fake.notificationsFor(11)).toHaveLength(1);
    expect(fake.notifications.size).toBe(1);
  });

  it('caller found: the call is attached to the record as a missed call, with the voicemail; its responsible user is notified', async () => {
    const contact = fake.addRecord('CONTACT', ['+48 600 100 200'], 42);
    const event = makeEvent();
    await emit(event);
    const r = await run({ adapter: bitrixAdapter(fake) });
    await settle(r);
    const [call] = [...fake.calls.values()];
    expect(call).toMatchObject({ externalCallId: event.id, userId: 42, entity: { type: 'CONTACT', id: contact.id }, line: '+48221002030' });
    expect(call?.finished).toMatchObject({ statusCode: '304', durationSeconds: 0, callStatus: 0 });
    expect(call?.records).toEqual([{ filename: 'vm-1.wav', bytes: VOICEMAIL_BYTES.length, content: VOICEMAIL_BYTES }]);
    expect(fake.activities).toEqual([
      expect.objectContaining({ ownerTypeId: 3, ownerId: contact.id, responsibleId: 42, statusCode: '304', missed: true }),
    ]);
    expect(fake.leads()).toHaveLength(0);
    const notes = [...fake.notifications.values()];
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ userId: 42 });
    expect(notes[0]?.tag).toBeUndefined(); // sent, but a webhook's TAG is dropped by the portal (no client id)
    expect(notes[0]?.message).toContain('+48600100200');
    expect(notes[0]?.message).toContain('voicemail (1 min 12 s)');
  });

  it('several matches: a contact wins over a lead and a company, the lowest id among contacts', async () => {
    fake.addRecord('LEAD', ['+48600100200'], 5, 1);
    fake.addRecord('COMPANY', ['+48600100200'], 6, 2);
    fake.addRecord('CONTACT', ['+48600100200'], 7, 30);
    fake.addRecord('CONTACT', ['48600100200'], 8, 20);
    await emit(makeEvent());
    const r = await run({ adapter: bitrixAdapter(fake) });
    await settle(r);
    expect([...fake.calls.values()][0]?.entity).toEqual({ type: 'CONTACT', id: 20 });
    expect([...fake.notifications.values()].map((n) => n.userId)).toEqual([8]);
    // One batch fetched every candidate's responsible user.
    expect(fake.requests.filter((q) => q.method === 'batch')).toHaveLength(1);
  });

  it('not found, unknownCaller lead: a lead is created with the call, the queue user is notified', async () => {
    await emit(makeEvent());
    const r = await run({ adapter: bitrixAdapter(fake) });
    await settle(r);
    const leads = fake.leads();
    expect(leads).toEqual([expect.objectContaining({ phones: ['+48600100200'], assignedById: 11 })]);
    expect(fake.activities).toEqual([expect.objectContaining({ ownerTypeId: 1, ownerId: leads[0]?.id, responsibleId: 11 })]);
    expect([...fake.notifications.values()].map((n) => n.userId)).toEqual([11]);
  });

  it('not found, unknownCaller offer: the queue user is notified, no record is created', async () => {
    await emit(withCrm({ unknownCaller: 'offer' }));
    const r = await run({ adapter: bitrixAdapter(fake) });
    await settle(r);
    expect(fake.calls.size).toBe(0);
    expect(fake.records).toHaveLength(0);
    expect([...fake.notifications.values()].map((n) => n.userId)).toEqual([11]);
  });

  it('anonymous caller: no look-up, the queue user is notified', async () => {
    await emit(makeEvent({ caller: 'anonymous' }));
    const r = await run({ adapter: bitrixAdapter(fake) });
    await settle(r);
    expect(fake.requests.map((q) => q.method)).toEqual(['im.notify.system.add']);
    expect([...fake.notifications.values()][0]?.message).toContain('anonymous caller');
  });

  it('notify all: every queue user is notified', async () => {
    await emit(withCrm({ notify: 'all', unknownCaller: 'offer' }));
    const r = await run({ adapter: bitrixAdapter(fake) });
    await settle(r);
    expect([...fake.notifications.values()].map((n) => n.userId).sort()).toEqual([11, 12, 13]);
  });

  it.each([
    ['in a format Bitrix24 does not take', { name: 'vm-1', format: 'gsm' }],
    ['that is gone from Asterisk', { name: 'gone', format: 'wav' }],
  ])('a voicemail %s is not attached, and the call and notification still go through', async (_name, recording) => {
    await emit(makeEvent({ outcome: { kind: 'recorded', recording, durationSeconds: 5 } }));
    const r = await run({ adapter: bitrixAdapter(fake) });
    await settle(r);
    expect([...fake.calls.values()][0]?.records).toEqual([]);
    expect(fake.activities).toHaveLength(1);
    expect(fake.notifications.size).toBe(1);
  });

  it('Polish notification for a Polish number', async () => {
    await emit(withCrm({ language: 'pl', unknownCaller: 'offer' }));
    const r = await run({ adapter: bitrixAdapter(fake) });
    await settle(r);
    expect([...fake.notifications.values()][0]?.message).toContain('Nieodebrane połączenie od +48600100200');
  });
});

describe.each([
  ['an incoming webhook', 'webhook'],
  ['a local application', 'application'],
] as const)('one missed call, one notification, through %s', (_name, kind) => {
  async function adapter() {
    if (kind === 'webhook') return bitrixAdapter(fake);
    const redis = server.client();
    await authorise(fake, redis, keys);
    return appAdapter(fake, redis, keys);
  }

  /** Runs one event and returns every user shown anything, once per thing shown. */
  async function seenFor(event: AfterHoursEvent): Promise<number[]> {
    await emit(event);
    const r = await run({ adapter: await adapter() });
    await settle(r);
    // Bitrix24's own chat message (ADD_TO_CHAT) and call card (SHOW) are never asked for.
    expect(fake.chat).toEqual([]);
    expect(fake.callCards).toEqual([]);
    return fake.seen();
  }

  it('look-up off: the queue user, once', async () => {
    fake.addRecord('CONTACT', ['+48600100200'], 42);
    expect(await seenFor(withCrm({ lookup: false }))).toEqual([11]);
  });

  it('caller found: the responsible user, once, with the call on the record', async () => {
    fake.addRecord('CONTACT', ['+48600100200'], 42);
    expect(await seenFor(makeEvent())).toEqual([42]);
    expect(fake.activities).toHaveLength(1);
    expect(fake.requestsFor('telephony.externalcall.finish')).toHaveLength(1);
  });

  it('not found, lead: the queue user, once, with a lead and its call', async () => {
    expect(await seenFor(makeEvent())).toEqual([11]);
    expect(fake.leads()).toHaveLength(1);
    expect(fake.activities).toHaveLength(1);
  });

  it('not found, offer: the queue user, once, and no record', async () => {
    expect(await seenFor(withCrm({ unknownCaller: 'offer' }))).toEqual([11]);
    expect(fake.records).toHaveLength(0);
    expect(fake.calls.size).toBe(0);
  });

  it('not found, lead, notify all: each queue user once (tags are portal-wide, so each copy has its own)', async () => {
    expect(await seenFor(withCrm({ notify: 'all' }))).toEqual([11, 12, 13]);
  });
});

describe('the fake portal models ADD_TO_CHAT and SHOW as documented (default 1)', () => {
  it("register and finish without them post Bitrix24's own chat messages and a call card", async () => {
    const post = async (method: string, body: object): Promise<{ result: { CALL_ID: string } }> =>
      (
        await fetch(`${fake.webhookUrl}${method}.json`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json() as Promise<{ result: { CALL_ID: string } }>;
    const { result } = await post('telephony.externalcall.register', { USER_ID: 7, PHONE_NUMBER: '+48600100200', TYPE: 2 });
    await post('telephony.externalcall.finish', { CALL_ID: result.CALL_ID, USER_ID: 7 });
    expect(fake.chat.map((m) => m.by)).toEqual(['telephony.externalcall.register', 'telephony.externalcall.finish']);
    expect(fake.callCards).toEqual([{ userId: 7, callId: result.CALL_ID }]);
    expect(fake.calls.get(result.CALL_ID)?.finished).toMatchObject({ statusCode: '304', durationSeconds: 0 });
    expect(fake.seenBy(7)).toHaveLength(2);
  });
});

describe('at least once, never twice', () => {
  it('an event appended twice with the same id is written once', async () => {
    const event = makeEvent();
    const stream = new EventStream(server.client(), keys);
    const first = await stream.appendDetailed(event);
    const second = await stream.appendDetailed(event);
    expect(second).toEqual({ entryId: first.entryId, duplicate: true });
    expect(await server.client().xlen(keys.stream)).toBe(1);
  });

  it('an invalid event is refused at emit time', async () => {
    const stream = new EventStream(server.client(), keys);
    await expect(stream.append({ ...makeEvent(), did: '0221002030' })).rejects.toBeInstanceOf(InvalidEventError);
  });

  it('the same event XADDed twice (bypassing the idempotent append) leaves one of each in the CRM', async () => {
    fake.addRecord('CONTACT', ['+48600100200'], 42);
    const event = withCrm({ notify: 'all' });
    const raw = server.client();
    await raw.xadd(keys.stream, '*', FIELD_ID, event.id, FIELD_EVENT, JSON.stringify(event));
    await raw.xadd(keys.stream, '*', FIELD_ID, event.id, FIELD_EVENT, JSON.stringify(event));
    const r = await run({ adapter: bitrixAdapter(fake) });
    await waitFor(async () => (await metricValue(r.metrics, 'after_hours_crm_events_duplicate_total')) === 1, 'the duplicate acknowledged');
    expect(await pendingCount(r.redis, keys)).toBe(0);
    expect(fake.calls.size).toBe(1);
    expect(fake.activities).toHaveLength(1);
    expect([...fake.calls.values()][0]?.records).toHaveLength(1);
    expect(fake.notifications.size).toBe(1);
    expect(fake.requests.filter((q) => q.method === 'telephony.externalcall.register')).toHaveLength(1);
  });

  it('a redelivery after partial work skips the steps already done', async () => {
    // The first delivery registers and finishes the call, then the notification fails.
    let failNotify = true;
    const flaky: typeof fetch = async (input, init) => {
      if (failNotify && String(input).includes('im.notify')) {
        failNotify = false;
        throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      }
      return fetch(input, init);
    };
    await emit(makeEvent());
    const r = await run({ adapter: bitrixAdapter(fake, { fetch: flaky, retries: 0 }), claimIdleMs: 150 });
    await settle(r);
    expect(await metricValue(r.metrics, 'after_hours_crm_events_failed_total')).toBe(1);
    const methods = fake.requests.map((q) => q.method);
    expect(methods.filter((m) => m === 'telephony.externalcall.register')).toHaveLength(1);
    expect(methods.filter((m) => m === 'telephony.externalcall.finish')).toHaveLength(1);
    expect(methods.filter((m) => m === 'telephony.externalcall.attachRecord')).toHaveLength(1);
    expect(fake.notifications.size).toBe(1);
  });

  it('a finish the portal carried out but whose answer was lost is not sent again as a failure: the event completes, no dead letter', async () => {
    // The portal finishes the call, then the connection drops before the answer (as a worker
    // killed after finish, before its journal kept it). The redelivery's finish is answered
    // "Call is not found": the call was finished already.
    let loseAnswer = true;
    const flaky: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (loseAnswer && String(input).includes('externalcall.finish')) {
        loseAnswer = false;
        throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      }
      return res;
    };
    await emit(makeEvent());
    const r = await run({ adapter: bitrixAdapter(fake, { fetch: flaky, retries: 0 }), claimIdleMs: 150 });
    await settle(r);
    const methods = fake.requests.map((q) => q.method);
    expect(methods.filter((m) => m === 'telephony.externalcall.register')).toHaveLength(1);
    expect(methods.filter((m) => m === 'telephony.externalcall.finish')).toHaveLength(2);
    expect(fake.activities).toHaveLength(1);
    expect(fake.notifications.size).toBe(1);
    expect(await metricValue(r.metrics, 'after_hours_crm_events_dead_lettered_total')).toBe(0);
    expect(await metricValue(r.metrics, 'after_hours_crm_events_processed_total')).toBe(1);
  });

  it('a worker that dies mid-event leaves it pending; another worker claims and completes it', async () => {
    let entered!: () => void;
    const inApply = new Promise<void>((resolve) => (entered = resolve));
    // Blocks until aborted, like a worker wedged on a CRM request.
    const wedged: CrmAdapter = {
      name: 'bitrix24',
      lookupCaller: async () => ({ kind: 'not-found' }),
      apply: (_e, _a, { signal }) => {
        entered();
        return new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      },
    };
    await emit(makeEvent());
    const a = await run({ adapter: wedged, consumer: 'worker-a', claimIdleMs: 300, stopGraceMs: 50 });
    await inApply;
    // "Kill" worker A: from Redis' point of view its connections are gone, no ack, no heartbeat.
    a.redis.disconnect();
    a.reader.disconnect();
    expect(fake.calls.size).toBe(0);

    const b = await run({ adapter: bitrixAdapter(fake), consumer: 'worker-b', claimIdleMs: 300 });
    await waitFor(
      async () => (await metricValue(b.metrics, 'after_hours_crm_events_processed_total')) === 1,
      'worker B completing the event',
    );
    expect(await pendingCount(b.redis, keys)).toBe(0);
    expect(fake.leads()).toHaveLength(1);
    expect(fake.notifications.size).toBe(1);
    expect(await metricValue(a.metrics, 'after_hours_crm_events_processed_total')).toBe(0);
  });

  it('several workers side by side handle each event once', async () => {
    const events = Array.from({ length: 12 }, (_, i) => makeEvent({ caller: `+4860010030${String(i).padStart(2, '0').slice(-1)}${i}` }));
    await emit(...events);
    const workers = await Promise.all([1, 2, 3].map((n) => run({ adapter: bitrixAdapter(fake), consumer: `w${n}` })));
    await waitFor(async () => {
      const counts = await Promise.all(workers.map((w) => metricValue(w.metrics, 'after_hours_crm_events_processed_total')));
      return counts.reduce((a, b) => a + b, 0) === events.length;
    }, 'all events processed');
    expect(fake.calls.size).toBe(events.length);
    expect(new Set([...fake.calls.values()].map((c) => c.externalCallId))).toEqual(new Set(events.map((e) => e.id)));
    expect(fake.notifications.size).toBe(events.length);
  });
});

describe('failures', () => {
  it('rate-limit answers are retried and succeed', async () => {
    fake.rateLimitNext(3);
    fake.dropNext(0);
    await emit(withCrm({ unknownCaller: 'offer', notify: 'all' }));
    const r = await run({ adapter: bitrixAdapter(fake) });
    await settle(r);
    expect(fake.requests.slice(0, 3).map((q) => q.status)).toEqual([503, 503, 503]);
    expect(fake.notifications.size).toBe(3);
    expect(await metricValue(r.metrics, 'after_hours_crm_events_failed_total')).toBe(0);
  });

  it('dropped connections are retried and succeed', async () => {
    fake.dropNext(2);
    await emit(withCrm({ unknownCaller: 'offer' }));
    const r = await run({ adapter: bitrixAdapter(fake) });
    await settle(r);
    expect(fake.requests.filter((q) => q.status === 0)).toHaveLength(2);
    expect(fake.notifications.size).toBe(1);
  });

  it('an expired token dead-letters the event at once, with the error; dead retry brings it back', async () => {
    fake.expireToken();
    const event = makeEvent();
    await emit(event);
    const r = await run({ adapter: bitrixAdapter(fake) });
    await waitFor(async () => (await r.redis.xlen(keys.dead)) === 1, 'a dead letter');
    expect(await pendingCount(r.redis, keys)).toBe(0);
    const [dead] = await listDead(r.redis, keys);
    expect(dead).toMatchObject({ eventId: event.id, deliveries: 1 });
    expect(dead?.error).toContain('expired_token');
    expect(dead?.error).not.toContain(fake.token);
    expect(JSON.parse(dead?.event ?? '')).toEqual(event);
    expect(fake.requests).toHaveLength(1); // permanent: not retried

    // The token is fixed; `crm-worker dead retry ID` puts it back and it goes through.
    const fixed = await new FakeBitrix24().start();
    running.push(await startWorker(server, keys, { adapter: bitrixAdapter(fixed) }));
    await r.worker.stop();
    expect(await retryDead(r.redis, keys, dead?.deadId ?? '')).toMatch(/^\d+-\d+$/);
    expect(await r.redis.xlen(keys.dead)).toBe(0);
    await waitFor(() => fixed.notifications.size === 1, 'the retried event in the CRM');
    expect(fixed.leads()).toHaveLength(1);
    await fixed.stop();
  });

  it('dead retry by event id and --all', async () => {
    const redis = server.client();
    const a = makeEvent();
    const b = makeEvent();
    for (const e of [a, b]) await addDeadLetter(redis, keys, e, 5);
    expect(await retryDead(redis, keys, 'no-such-event')).toBeNull();
    expect(await retryDead(redis, keys, a.id)).not.toBeNull();
    expect((await listDead(redis, keys)).map((d) => d.eventId)).toEqual([b.id]);
    expect(await retryAllDead(redis, keys)).toHaveLength(1);
    expect(await redis.xlen(keys.dead)).toBe(0);
    const ids = (await redis.xrange(keys.stream, '-', '+')).map(([, f]) => f[1]);
    expect(ids).toEqual([a.id, b.id]);
  });

  it('after maxDeliveries transient failures the event is dead-lettered with the last error', async () => {
    const failing: CrmAdapter = {
      name: 'test',
      lookupCaller: async () => ({ kind: 'not-found' }),
      apply: async () => {
        throw new TransientCrmError('CRM is down');
      },
    };
    await emit(makeEvent());
    const r = await run({ adapter: failing, claimIdleMs: 100, maxDeliveries: 3 });
    await waitFor(async () => (await r.redis.xlen(keys.dead)) === 1, 'a dead letter');
    const [dead] = await listDead(r.redis, keys);
    expect(dead?.deliveries).toBe(3);
    expect(dead?.error).toContain('CRM is down');
    expect(await metricValue(r.metrics, 'after_hours_crm_events_failed_total')).toBe(3);
    expect(await pendingCount(r.redis, keys)).toBe(0);
  });

  it('an invalid event in the stream is dead-lettered at once', async () => {
    const redis = server.client();
    await redis.xadd(keys.stream, '*', 'id', 'bad-1', 'event', JSON.stringify({ ...makeEvent(), caller: 'somebody' }));
    await redis.xadd(keys.stream, '*', 'id', 'bad-2', 'event', '{not json');
    const r = await run({ adapter: bitrixAdapter(fake) });
    await waitFor(async () => (await r.redis.xlen(keys.dead)) === 2, 'two dead letters');
    const dead = await listDead(r.redis, keys);
    expect(dead[0]?.error).toMatch(/invalid event: \/caller/);
    expect(dead[1]?.error).toMatch(/invalid event: not JSON/);
    expect(fake.requests).toHaveLength(0);
  });
});

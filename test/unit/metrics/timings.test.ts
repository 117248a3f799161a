import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallSetupTimer } from '../../../src/ari/callSetupTimer';
import { AriRest } from '../../../src/ari/rest';
import { crmFetch } from '../../../src/crm/crmFetch';
import { once, type StepJournal } from '../../../src/crm/adapter';
import { timeCrmWork } from '../../../src/crm/crmTiming';
import { timeRedisCommands } from '../../../src/shared/redisTiming';
import { startRedisServer, type RedisServer } from '../../support/redisServer';

// The timing hooks behind the histograms: what each one measures and labels.

describe('call set-up timer', () => {
  test('the first command sent for a started channel ends its set-up, once; other channels and later commands do not count', () => {
    let now = 1000;
    const seen: [string, number][] = [];
    const timer = new CallSetupTimer(
      (command, seconds) => seen.push([command, seconds]),
      () => now,
    );
    timer.start('c1');
    now += 2.5;
    timer.sent('channels.hangup', 'other-channel');
    timer.sent('deviceStates.update', undefined);
    expect(seen).toEqual([]);
    timer.sent('channels.answer', 'c1');
    now += 10;
    timer.sent('channels.playWithId', 'c1');
    expect(seen).toEqual([['channels.answer', 0.0025]]);
    expect(timer.size).toBe(0);
  });

  test('a call whose handling ends without a command is forgotten (nothing kept, nothing observed)', () => {
    const seen: string[] = [];
    const timer = new CallSetupTimer((c) => seen.push(c));
    timer.start('c2');
    timer.forget('c2');
    timer.sent('channels.hangup', 'c2');
    expect(seen).toEqual([]);
    expect(timer.size).toBe(0);
  });
});

describe('ARI REST observer', () => {
  test('names each request by its ARI operation and status class, and says which channel it acts on', async () => {
    const server = createServer((req, res) => {
      res.writeHead(req.url?.includes('/answer') ? 404 : 204);
      res.end(req.url?.includes('/answer') ? '{"message":"Channel not found"}' : undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const sent: [string, string | undefined][] = [];
    const done: [string, string][] = [];
    const rest = new AriRest({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      user: 'u',
      password: 'p',
      observer: {
        sent: (op, ch) => sent.push([op, ch]),
        done: (op, status, s) => (expect(s).toBeGreaterThanOrEqual(0), done.push([op, status])),
      },
    });
    try {
      await rest.hangup('chan-1', 'busy');
      await expect(rest.answer('chan-2')).rejects.toThrow(/404/);
      await rest.setDeviceState('Stasis:x', 'INUSE');
      expect(sent).toEqual([
        ['channels.hangup', 'chan-1'],
        ['channels.answer', 'chan-2'],
        ['deviceStates.update', undefined],
      ]);
      expect(done).toEqual([
        ['channels.hangup', '2xx'],
        ['channels.answer', '4xx'],
        ['deviceStates.update', '2xx'],
      ]);
    } finally {
      rest.close();
      server.close();
    }
  });
});

describe('CRM timing', () => {
  test('requests are labelled by adapter and method from crmFetch, steps by their name without the per-user part', async () => {
    const requests: string[] = [];
    const steps: string[] = [];
    const stop = timeCrmWork({
      request: (adapter, method, status) => requests.push(`${adapter} ${method} ${status}`),
      step: (step, result) => steps.push(`${step} ${result}`),
    });
    const signal = new AbortController().signal;
    const fetchOk = (async () => new Response('{}', { status: 200 })) as typeof fetch;
    const fetch503 = (async () => new Response('', { status: 503 })) as typeof fetch;
    const fetchDown = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const journal: StepJournal = { get: async () => undefined, set: async () => undefined };
    try {
      await crmFetch(fetchOk, 'http://x/', {}, { what: 'bitrix24 crm.lead.add', where: 'x', signal, timeoutMs: 1000 });
      await crmFetch(fetch503, 'http://x/', {}, { what: 'webhook', where: 'x', signal, timeoutMs: 1000 });
      await expect(
        crmFetch(fetchDown, 'http://x/', {}, { what: 'bitrix24 im.notify.system.add', where: 'x', signal, timeoutMs: 1000 }),
      ).rejects.toThrow();
      await once(journal, 'notify:17', async () => 'done');
      await expect(
        once(journal, 'register', async () => {
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
    } finally {
      stop();
    }
    // After stop(), nothing is measured.
    await once(journal, 'finish', async () => 'done');
    expect(requests).toEqual(['bitrix24 crm.lead.add 2xx', 'webhook POST 5xx', 'bitrix24 im.notify.system.add error']);
    expect(steps).toEqual(['notify ok', 'register error']);
  });
});

describe('Redis command timing', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  test('every command the process writes is timed by its name, errors apart', async () => {
    const seen: string[] = [];
    const client = redis.client();
    await client.ping();
    const stop = timeRedisCommands((command, result, seconds) => {
      expect(seconds).toBeGreaterThanOrEqual(0);
      seen.push(`${command} ${result}`);
    });
    try {
      await client.set('timing-test', '1');
      await client.get('timing-test');
      await expect(client.hget('timing-test', 'f')).rejects.toThrow(/WRONGTYPE/);
    } finally {
      stop();
    }
    await client.get('timing-test');
    expect(seen).toEqual(['set ok', 'get ok', 'hget error']);
  });
});

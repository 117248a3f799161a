// Three CRM worker processes (the built CLI, `after-hours crm-worker`) against one rate-limited
// Bitrix24 portal (test/support/fakeBitrix24.ts with Bitrix24's leaky bucket) share one request
// budget kept in Redis (BITRIX24_RATE_PER_SECOND is the portal's rate, for all workers together).
// With 300 queued events (45 under npm test, 300 under npm run test:load): no request is refused for rate, every event's CRM work is done once
// (one call registration, one finish, one notification per event id), nothing is pending or
// dead, and all three workers took part.
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { EventStream, streamKeys } from '../../src/store/eventStream';
import { FakeBitrix24 } from '../support/fakeBitrix24';
import { cli, eventually, freeTcpPort } from '../support/daemon';
import { loadSize } from '../support/loadShaped';
import { redisUrl, uniquePrefix } from '../support/stackEnv';
import { makeEvent } from '../unit/crm/fixtures';

jest.setTimeout(300_000);

/** 300 under npm run test:load (about a minute), 45 under npm test (test/support/loadShaped). */
const EVENTS = loadSize(45, 300);
const WORKERS = 3;
/**
 * The portal: Bitrix24's leaky bucket at 10 times the documented standard rate (2/s, bucket 50)
 * so the test takes about a minute: 20 requests/s drained, a bucket of 20. Three workers with
 * a budget each would send 60/s and be refused within a second.
 */
const PORTAL = { perSecond: 20, bucket: 20 };

/** Queues one event per id: an unknown caller each (a lead), one queue user: look-up, register, finish, notify. */
async function queueLeadEvents(stream: EventStream, ids: string[], callerPrefix: string): Promise<void> {
  for (const [i, id] of ids.entries())
    await stream.append(
      makeEvent({
        id,
        caller: `${callerPrefix}${String(100_000 + i)}`,
        action: 'hangup',
        outcome: { kind: 'rejected', cause: 'busy' },
        crm: { lookup: true, unknownCaller: 'lead', queue: [7], notify: 'first', language: 'en' },
      }),
    );
}

interface WorkerProcess {
  proc: ChildProcess;
  port: number;
  out: () => string;
}

/** Starts `after-hours crm-worker` (the built CLI) against the fake portal, with `env` on top. */
async function spawnWorker(fake: FakeBitrix24, prefix: string, env: Record<string, string>): Promise<WorkerProcess> {
  const port = await freeTcpPort();
  const proc = spawn(process.execPath, [cli, 'crm-worker'], {
    env: {
      ...process.env,
      ...fake.workerEnv,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      METRICS_PORT: String(port),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { proc, port, out: () => out };
}

/** SIGTERM, then the exit code. */
async function stopWorker(w: WorkerProcess): Promise<number | null> {
  if (w.proc.exitCode !== null || w.proc.signalCode !== null) return w.proc.exitCode;
  const exited = new Promise((r) => w.proc.once('exit', r));
  w.proc.kill('SIGTERM');
  await exited;
  return w.proc.exitCode;
}

describe('three CRM workers share one Bitrix24 rate budget in Redis', () => {
  test('the portal refuses a burst past its bucket with QUERY_LIMIT_EXCEEDED, as Bitrix24 does', async () => {
    const fake = await new FakeBitrix24().start();
    // The portal's clock stands still during a burst, so what drains is what the test lets pass.
    let clock = Date.now();
    fake.now = () => clock;
    fake.limitRate(PORTAL);
    const burst = async (n: number) =>
      Promise.all(
        Array.from({ length: n }, async () => {
          const res = await fetch(`${fake.webhookUrl}crm.duplicate.findbycomm.json`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ type: 'PHONE', values: ['+48601100200'] }),
          });
          const body = (await res.json()) as { error?: string };
          return `${res.status} ${body.error ?? ''}`.trim();
        }),
      );
    try {
      const first = await burst(PORTAL.bucket + 10);
      expect(first.filter((s) => s === '200')).toHaveLength(PORTAL.bucket);
      expect(first.filter((s) => s === '503 QUERY_LIMIT_EXCEEDED')).toHaveLength(10);
      // Half a second later, half a second's worth has leaked out of the bucket: that many pass.
      clock += 500;
      const second = await burst(PORTAL.perSecond);
      expect(second.filter((s) => s === '200')).toHaveLength(PORTAL.perSecond / 2);
      expect(second.filter((s) => s === '503 QUERY_LIMIT_EXCEEDED')).toHaveLength(PORTAL.perSecond / 2);
    } finally {
      await fake.stop();
    }
  });

  test(`${EVENTS} events, ${WORKERS} workers: nothing refused for rate, every event done once`, async () => {
    const fake = await new FakeBitrix24().start();
    fake.limitRate(PORTAL);
    const notified = new Map<string, number>();
    fake.onRequest = (method, p) => {
      if (method !== 'im.notify.system.add') return;
      const id = /crm3-\d+-\d+/.exec(String(p.TAG ?? ''))?.[0];
      if (id) notified.set(id, (notified.get(id) ?? 0) + 1);
    };
    const prefix = uniquePrefix('crm3');
    const redis = new Redis(redisUrl);
    const stream = new EventStream(redis, streamKeys(prefix));
    const run = Date.now();
    const ids = Array.from({ length: EVENTS }, (_, i) => `crm3-${run}-${i}`);
    await queueLeadEvents(stream, ids, '+48601');
    const workers: WorkerProcess[] = [];
    for (let n = 0; n < WORKERS; n++) workers.push(await spawnWorker(fake, prefix, { BITRIX24_RATE_PER_SECOND: String(PORTAL.perSecond) }));
    const processedBy = async (port: number): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return [...text.matchAll(/^after_hours_crm_events_processed_total(?:\{[^}]*\})? (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
    };
    try {
      const done = await eventually(
        async () => {
          if (notified.size < EVENTS) return false;
          return Number(((await redis.xpending(`${prefix}events`, 'crm')) as unknown[])[0]) === 0;
        },
        240_000,
        500,
      );
      if (!done)
        throw new Error(`not done: ${notified.size}/${EVENTS} notified\n${workers.map((w) => w.out().slice(-2000)).join('\n---\n')}`);

      const refused = fake.requests.filter((r) => r.error === 'QUERY_LIMIT_EXCEEDED');
      const byMethod = new Map<string, number>();
      for (const r of fake.requests) byMethod.set(r.method, (byMethod.get(r.method) ?? 0) + 1);
      const perWorker = await Promise.all(workers.map((w) => processedBy(w.port)));
      console.log(
        `${fake.requests.length} requests (${[...byMethod].map(([m, n]) => `${m} ${n}`).join(', ')}), ${refused.length} refused for rate; events per worker: ${perWorker.join(', ')}`,
      );
      expect(refused).toHaveLength(0);
      expect(fake.requests.filter((r) => r.status !== 200)).toEqual([]);

      // Exactly once per event: one call activity (registered and finished), one notification.
      const calls = new Map<string, number>();
      for (const c of fake.calls.values()) {
        expect(c.finished).toBeDefined();
        calls.set(c.externalCallId ?? '', (calls.get(c.externalCallId ?? '') ?? 0) + 1);
      }
      expect([...calls.keys()].sort()).toEqual([...ids].sort());
      expect([...calls.values()].every((n) => n === 1)).toBe(true);
      expect(fake.leads()).toHaveLength(EVENTS);
      expect([...notified.keys()].sort()).toEqual([...ids].sort());
      expect([...notified.values()].every((n) => n === 1)).toBe(true);
      expect(await redis.xlen(`${prefix}events:dead`)).toBe(0);
      // the work was shared: every worker handled some of it
      expect(perWorker.reduce((a, b) => a + b, 0)).toBe(EVENTS);
      expect(perWorker.every((n) => n > 0)).toBe(true);
    } finally {
      await Promise.all(workers.map(stopWorker));
      redis.disconnect();
      await fake.stop();
    }
  });
  test('one worker process with CRM_CONCURRENCY=4 works on four events at once; each is done once', async () => {
    const fake = await new FakeBitrix24().start();
    fake.responseDelayMs = 50;
    const prefix = uniquePrefix('crmconc');
    const redis = new Redis(redisUrl);
    const stream = new EventStream(redis, streamKeys(prefix));
    const run = Date.now();
    const ids = Array.from({ length: 40 }, (_, i) => `crmconc-${run}-${i}`);
    await queueLeadEvents(stream, ids, '+48602');
    const worker = await spawnWorker(fake, prefix, { BITRIX24_RATE_PER_SECOND: '1000', CRM_CONCURRENCY: '4' });
    try {
      const done = await eventually(
        async () => fake.leads().length === ids.length && Number(((await redis.xpending(`${prefix}events`, 'crm')) as unknown[])[0]) === 0,
        120_000,
        200,
      );
      if (!done) throw new Error(`not done: ${fake.leads().length}/${ids.length} leads\n${worker.out().slice(-2000)}`);
      // Four events' requests overlapped at the portal; one consumer would send one at a time.
      expect(fake.maxInFlight).toBeGreaterThan(1);
      expect(fake.maxInFlight).toBeLessThanOrEqual(4);
      const calls = [...fake.calls.values()].map((c) => c.externalCallId).sort();
      expect(calls).toEqual([...ids].sort());
      expect(fake.requestsFor('im.notify.system.add')).toHaveLength(ids.length);
      expect(((await (await fetch(`http://127.0.0.1:${worker.port}/healthz`)).json()) as { ready: boolean }).ready).toBe(true);
      // Four consumers of the group, all from this process.
      const consumers = (await redis.xinfo('CONSUMERS', `${prefix}events`, 'crm')) as unknown[];
      expect(consumers).toHaveLength(4);
    } finally {
      expect(await stopWorker(worker)).toBe(0);
      redis.disconnect();
      await fake.stop();
    }
  });
});

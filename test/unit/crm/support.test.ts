import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { startHttpServer } from '../../../src/shared/httpServer';
import { createCrmMetrics } from '../../../src/crm/metrics';
import { eventSchemaPath } from '../../../src/events/validate';
import { streamKeys } from '../../../src/store/eventStream';
import { packageRoot } from '../../../src/shared/paths';
import { backoffDelay, retry } from '../../../src/shared/backoff';
import { startRedisServer } from '../../support/redisServer';

describe('packageRoot', () => {
  it('finds the after-hours package from anywhere below it', () => {
    const root = packageRoot(join(__dirname, 'deep', 'er'));
    expect((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string }).name).toBe('after-hours');
    expect(existsSync(eventSchemaPath())).toBe(true);
  });

  it('fails clearly outside it', () => {
    expect(() => packageRoot('/')).toThrow(/package root/);
  });
});

describe('backoff', () => {
  it('grows exponentially up to the cap, with half the delay jittered', () => {
    const opts = { baseMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 4].map((a) => backoffDelay(a, { ...opts, random: () => 0 }))).toEqual([50, 100, 200, 400, 500]);
    expect([0, 1, 2, 3, 4].map((a) => backoffDelay(a, { ...opts, random: () => 0.999999 }))).toEqual([100, 200, 400, 800, 1000]);
  });

  it('retries retryable errors, honours a server-requested wait, stops on others', async () => {
    const slept: number[] = [];
    let calls = 0;
    const result = await retry(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('again');
        return 'ok';
      },
      {
        retries: 5,
        baseMs: 10,
        maxMs: 5000,
        random: () => 0,
        shouldRetry: () => true,
        minDelayMs: () => 1000,
        sleep: async (ms) => void slept.push(ms),
      },
    );
    expect(result).toBe('ok');
    expect(slept).toEqual([1000, 1000]);

    calls = 0;
    await expect(
      retry(
        async () => {
          calls += 1;
          throw new Error('fatal');
        },
        { retries: 5, baseMs: 1, maxMs: 1, shouldRetry: () => false, sleep: async () => undefined },
      ),
    ).rejects.toThrow('fatal');
    expect(calls).toBe(1);
  });

  it('throws the last error when retries run out', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls += 1;
          throw new Error(`attempt ${calls}`);
        },
        { retries: 2, baseMs: 1, maxMs: 1, shouldRetry: () => true, sleep: async () => undefined },
      ),
    ).rejects.toThrow('attempt 3');
  });
});

describe('/metrics and /healthz', () => {
  it('serve the registry and the health flag', async () => {
    const redis = await startRedisServer();
    const keys = streamKeys('metrics-test:');
    const client = redis.client();
    await client.xgroup('CREATE', keys.stream, keys.group, '0', 'MKSTREAM');
    await client.xadd(keys.stream, '*', 'id', 'x', 'event', '{}');
    await client.xadd(keys.dead, '*', 'id', 'y', 'event', '{}');
    const metrics = createCrmMetrics(client, keys);
    metrics.processed.inc({ adapter: 'bitrix24' });
    let healthy = true;
    const server = await startHttpServer({ port: 0, host: '127.0.0.1', registry: metrics.registry, health: () => ({ ready: healthy }) });
    try {
      const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      expect(text).toContain('after_hours_crm_events_processed_total{adapter="bitrix24"} 1');
      expect(text).toContain('after_hours_crm_stream_lag 1');
      expect(text).toContain('after_hours_crm_dead_letters 1');
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
      healthy = false;
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(503);
    } finally {
      await server.close();
      await redis.stop();
    }
  });
});

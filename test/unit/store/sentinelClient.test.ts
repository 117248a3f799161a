// createRedisClient behind a real Sentinel set (no Asterisk): it finds the primary, writes
// survive a SIGKILL of the primary once the replica is promoted, the subscriber re-subscribes
// there, and WAIT confirms writes while a replica is connected and not once it is gone.
import type { Redis } from 'ioredis';
import { createRedisClient, replicaWait } from '../../../src/store/redisClient';
import { redisSettings } from '../../../src/settings/redis';
import { startSentinelSet, type SentinelSet } from '../../support/redisSentinel';

jest.setTimeout(60_000);

describe('Redis through Sentinel', () => {
  let set: SentinelSet;
  const made: Redis[] = [];
  const errors: string[] = [];
  const make = (env: Record<string, string>, use: Parameters<typeof createRedisClient>[1], name: string): Redis => {
    const c = createRedisClient(redisSettings(env), use, name);
    c.on('error', (err: Error) => errors.push(`${name}: ${err.message}`));
    made.push(c);
    return c;
  };
  beforeAll(async () => {
    set = await startSentinelSet();
  });
  afterAll(async () => {
    for (const c of made) c.disconnect();
    await set?.stop();
  });

  test('both env forms reach the primary; a wrong password is an error, not a hang', async () => {
    for (const env of [set.env, set.urlEnv]) {
      const c = make(env, 'worker', `early-${made.length}`);
      await c.set('k', 'v');
      expect(await c.get('k')).toBe('v');
      expect(((await c.call('ROLE')) as unknown[])[0]).toBe('master');
    }
    const bad = createRedisClient(redisSettings({ ...set.env, REDIS_PASSWORD: 'wrong' }), 'call-path', 'test-bad');
    const err = await new Promise<Error>((resolve) => bad.once('error', resolve));
    expect(err.message).toMatch(/WRONGPASS|invalid username-password|NOAUTH/);
    bad.disconnect();
  });

  test('WAIT: confirmed by the replica; after a failover (no replica left) confirmed by the primary alone; subscriber follows', async () => {
    const settings = redisSettings(set.env);
    const redis = make(set.env, 'call-path', 'writer');
    const sub = make(set.env, 'subscriber', 'sub');
    await new Promise((r) => redis.once('ready', r));
    const wait = replicaWait(redis, settings)!;
    await redis.set('before', '1');
    const t0 = process.hrtime.bigint();
    await wait.confirm();
    const confirmUs = Number(process.hrtime.bigint() - t0) / 1000;
    expect(confirmUs).toBeLessThan(100_000);

    const got: string[] = [];
    sub.on('message', (_c: string, m: string) => got.push(m));
    await sub.subscribe('chan');
    const old = await set.killPrimary();
    const killedAt = Date.now();
    const promoted = await set.waitForPromotion(old);
    const failoverMs = Date.now() - killedAt;
    expect(promoted).not.toBe(old);
    // the writer finds the new primary by itself
    const until = Date.now() + 15_000;
    for (;;) {
      try {
        await redis.set('after', '1');
        break;
      } catch (err) {
        if (Date.now() > until) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const reconnectMs = Date.now() - killedAt;
    expect(await redis.get('before')).toBe('1');
    const t1 = Date.now();
    await wait.confirm(); // no replica connected to the new primary: at once (after one WAIT that finds none)
    expect(Date.now() - t1).toBeLessThan(settings.waitTimeoutMs + 200);
    const pub = set.client(promoted);
    await eventually(async () => {
      await pub.publish('chan', 'hello');
      return got.includes('hello');
    });
    // every client is back on the new primary; none gave up (status "end")
    await eventually(async () => made.every((c) => c.status === 'ready'));
    process.stderr.write(
      `sentinel failover: promoted after ${failoverMs} ms, writer back after ${reconnectMs} ms, WAIT with a replica ${confirmUs.toFixed(0)} µs\n`,
    );
  });
});

async function eventually(fn: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('not within time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

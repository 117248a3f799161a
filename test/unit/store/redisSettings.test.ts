// REDIS_* settings: the standalone and the Sentinel forms, credentials, and the refusals.
import { describeRedis, parseHostPort, redisSettings, RedisSettingsError } from '../../../src/settings/redis';

const refused = (env: Record<string, string>): string => {
  try {
    redisSettings(env);
  } catch (err) {
    expect(err).toBeInstanceOf(RedisSettingsError);
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('redisSettings', () => {
  test('nothing set: the local standalone server, no WAIT', () => {
    expect(redisSettings({})).toEqual({
      endpoint: { kind: 'standalone', url: 'redis://127.0.0.1:6379' },
      waitReplicas: 0,
      waitTimeoutMs: 500,
    });
  });

  test('REDIS_URL with REDIS_PASSWORD kept out of the URL', () => {
    const s = redisSettings({ REDIS_URL: 'rediss://redis.example:6380/2', REDIS_USERNAME: 'ah', REDIS_PASSWORD: 'p@ss' });
    expect(s.endpoint).toEqual({ kind: 'standalone', url: 'rediss://redis.example:6380/2', username: 'ah', password: 'p@ss' });
  });

  test('REDIS_SENTINELS + REDIS_SENTINEL_NAME, IPv6 in brackets, both passwords; WAIT 1 by default', () => {
    const s = redisSettings({
      REDIS_SENTINELS: '10.0.0.1:26379, sentinel-b.example:26380,[::1]:26381',
      REDIS_SENTINEL_NAME: 'after-hours',
      REDIS_PASSWORD: 'data',
      REDIS_SENTINEL_PASSWORD: 'sent',
    });
    expect(s.endpoint).toEqual({
      kind: 'sentinel',
      name: 'after-hours',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-b.example', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      password: 'data',
      sentinelPassword: 'sent',
      username: undefined,
      sentinelUsername: undefined,
    });
    expect(s.waitReplicas).toBe(1);
    expect(describeRedis(s)).toBe('master "after-hours" via sentinels 10.0.0.1:26379,sentinel-b.example:26380,[::1]:26381');
  });

  test('the URL form: redis+sentinel://user:pass@h1:p1,h2:p2/mastername, percent-decoded', () => {
    const s = redisSettings({
      REDIS_URL: 'redis+sentinel://ah:s%40cret@127.0.0.1:26379,[::1]:26380/mymaster',
      REDIS_SENTINEL_PASSWORD: 'x',
    });
    expect(s.endpoint).toMatchObject({ kind: 'sentinel', name: 'mymaster', username: 'ah', password: 's@cret', sentinelPassword: 'x' });
    expect(s.endpoint.kind === 'sentinel' && s.endpoint.sentinels).toEqual([
      { host: '127.0.0.1', port: 26379 },
      { host: '::1', port: 26380 },
    ]);
    // credentials never reach the description
    expect(describeRedis(s)).not.toContain('cret');
    expect(describeRedis(redisSettings({ REDIS_URL: 'redis://u:secret@h:1/0' }))).toBe('redis://h:1/0');
  });

  test('REDIS_WAIT_REPLICAS and REDIS_WAIT_TIMEOUT_MS', () => {
    expect(redisSettings({ REDIS_SENTINELS: 'h:1', REDIS_SENTINEL_NAME: 'm', REDIS_WAIT_REPLICAS: '0' }).waitReplicas).toBe(0);
    expect(redisSettings({ REDIS_WAIT_REPLICAS: '2', REDIS_WAIT_TIMEOUT_MS: '250' })).toMatchObject({
      waitReplicas: 2,
      waitTimeoutMs: 250,
    });
    expect(refused({ REDIS_WAIT_REPLICAS: 'one' })).toMatch(/REDIS_WAIT_REPLICAS must be a whole number/);
    expect(refused({ REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '0' })).toMatch(/WAIT 0 would block forever/);
  });

  test('refusals say what is wrong', () => {
    expect(refused({ REDIS_URL: 'redis://h:1', REDIS_SENTINELS: 'h:26379', REDIS_SENTINEL_NAME: 'm' })).toMatch(
      /REDIS_URL and REDIS_SENTINELS are both set/,
    );
    expect(refused({ REDIS_SENTINELS: 'h:26379' })).toMatch(/REDIS_SENTINEL_NAME .* is not/);
    expect(refused({ REDIS_SENTINEL_NAME: 'm' })).toMatch(/REDIS_SENTINELS is not/);
    expect(refused({ REDIS_SENTINELS: 'h', REDIS_SENTINEL_NAME: 'm' })).toMatch(/sentinel address "h" is not host:port/);
    expect(refused({ REDIS_SENTINELS: '::1:26379', REDIS_SENTINEL_NAME: 'm' })).toMatch(/IPv6 address in brackets/);
    expect(refused({ REDIS_SENTINELS: '[fe80::zz]:1', REDIS_SENTINEL_NAME: 'm' })).toMatch(/not an IPv6 address/);
    expect(refused({ REDIS_SENTINELS: 'h:70000', REDIS_SENTINEL_NAME: 'm' })).toMatch(/out of range/);
    expect(refused({ REDIS_SENTINELS: 'h:1,,h:2', REDIS_SENTINEL_NAME: 'm' })).toMatch(/empty address/);
    expect(refused({ REDIS_SENTINELS: 'h:1,H:1', REDIS_SENTINEL_NAME: 'm' })).toMatch(/names H:1 twice/);
    expect(refused({ REDIS_SENTINEL_PASSWORD: 'x' })).toMatch(/are for sentinels/);
    expect(refused({ REDIS_URL: 'redis+sentinel://h:1' })).toMatch(/names no master/);
    expect(refused({ REDIS_URL: 'redis+sentinel://h:1/m', REDIS_SENTINEL_NAME: 'm' })).toMatch(/REDIS_URL already names the master/);
    expect(refused({ REDIS_URL: 'redis+sentinel://:a@h:1/m', REDIS_PASSWORD: 'b' })).toMatch(/password is set twice/);
    expect(refused({ REDIS_URL: 'redis://:a@h:1', REDIS_PASSWORD: 'b' })).toMatch(/password is set twice/);
    expect(refused({ REDIS_URL: 'http://h:1' })).toMatch(/must start with redis:\/\//);
    expect(refused({ REDIS_URL: 'not a url' })).toMatch(/is not a URL/);
  });

  test('parseHostPort', () => {
    expect(parseHostPort('[2001:db8::1]:26379')).toEqual({ host: '2001:db8::1', port: 26379 });
    expect(() => parseHostPort('host:')).toThrow(/not host:port/);
    expect(() => parseHostPort('-bad:1')).toThrow(/not host:port/);
  });
});

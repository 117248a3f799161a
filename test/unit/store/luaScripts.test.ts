import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../src/shared/paths';
import { runLua, type LuaScript } from '../../../src/store/luaScripts';
import { startRedisServer, type RedisServer } from '../../support/redisServer';

// The Lua scripts are files run as ioredis commands. Starts a real redis-server.

describe('Lua scripts (with a real redis-server)', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('every .lua file is a script the code can run, and every script has its file', async () => {
    const files = readdirSync(join(packageRoot(), 'src', 'store', 'lua'))
      .filter((f) => f.endsWith('.lua'))
      .map((f) => f.slice(0, -4))
      .sort();
    const redis = server.client();
    await runLua(redis, 'lockRelease', ['k'], ['t']);
    const defined = files.filter((f) => typeof (redis as unknown as Record<string, unknown>)[f] === 'function');
    expect(defined).toEqual(files);
    expect(files).toHaveLength(12);
  });

  it('runs again after the server forgot its scripts (SCRIPT FLUSH, as after a restart)', async () => {
    const redis = server.client();
    await redis.set('lock', 'holder');
    expect(await runLua(redis, 'lockRelease', ['lock'], ['someone else'])).toBe(0);
    await redis.script('FLUSH');
    expect(await runLua(redis, 'lockRelease', ['lock'], ['holder'])).toBe(1);
    expect(await redis.get('lock')).toBeNull();
  });

  it('refuses a call with the wrong number of keys before sending it', () => {
    const redis = server.client();
    expect(() => runLua(redis, 'crmComplete' as LuaScript, ['only-one'], [])).toThrow(/crmComplete takes 4 keys, got 1/);
  });
});

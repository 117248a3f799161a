// sound add and remove as a user runs them (the real CLI process against a throwaway
// redis-server; ffmpeg makes the recording): each change is on the audit trail.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTone } from '../../support/audioFixtures';
import { runCliSource } from '../../support/cliProcess';
import { startRedisServer, type RedisServer } from '../../support/redisServer';

jest.setTimeout(120_000);

let server: RedisServer;
const dir = mkdtempSync(join(tmpdir(), 'ah-cli-sound-'));
const prefix = `cli-sound-${process.pid}:`;
const cli = (args: string[]) =>
  runCliSource(args, { ...process.env, TZ: 'UTC', REDIS_URL: server.url, REDIS_PREFIX: prefix, LOG_LEVEL: 'silent' });

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});

describe('sound add and remove', () => {
  it('are on the audit trail: the stored sound after an add, before a remove, by whom', async () => {
    const tone = makeTone(dir, 'hello.mp3', { seconds: 1.5, padBefore: 0.2, padAfter: 0.2 });
    expect(await cli(['sound', 'add', tone, '--name', 'hello', '--by', 'alice'])).toMatchObject({ code: 0 });
    expect(await cli(['sound', 'add', tone, '--name', 'hello', '--replace'])).toMatchObject({ code: 0 });
    expect(await cli(['sound', 'remove', 'hello', '--by', 'bob'])).toMatchObject({ code: 0 });
    // A refused remove (nothing stored under the name) writes nothing.
    expect((await cli(['sound', 'remove', 'hello'])).code).toBe(2);

    const page = JSON.parse((await cli(['audit', 'list', '--action', 'sound.', '--json'])).stdout);
    const stored = expect.objectContaining({ name: 'hello', source: 'hello.mp3', durationMs: expect.any(Number) });
    expect(page.entries).toEqual([
      expect.objectContaining({ actor: 'bob', door: 'cli', action: 'sound.remove', target: 'hello', before: stored, after: null }),
      expect.objectContaining({ door: 'cli', action: 'sound.add', target: 'hello', before: { replaced: true }, after: stored }),
      expect.objectContaining({ actor: 'alice', door: 'cli', action: 'sound.add', target: 'hello', after: stored }),
    ]);
    expect(page.entries[2]).not.toHaveProperty('before');
  });
});

// Stored sounds against a real redis-server: add / replace / list / read, a push that names a
// missing sound refused (nothing pushed), a removal refused while the pushed configuration
// uses the sound or a push is checking, and the daemon side (held sounds served by hash,
// fetched by hash, or written for a same-host Asterisk).
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { loadConfigText } from '../../../src/config/load';
import { packageRoot } from '../../../src/shared/paths';
import type { AppConfig } from '../../../src/config/types';
import { SoundCatalogue } from '../../../src/sounds/soundCatalogue';
import { storedSoundNames } from '../../../src/sounds/soundRefs';
import { wavFile } from '../../../src/sounds/soundPcm';
import { configKeys, serialiseConfig } from '../../../src/store/configStore';
import { removeSound } from '../../../src/store/soundRemoval';
import { addSound, listSounds, readSound, soundHash, soundKeys, SoundStoreError, withStoredSounds } from '../../../src/store/soundStore';
import { startRedisServer, type RedisServer } from '../../support/redisServer';

const now = new Date('2026-12-01T10:00:00Z');
const onDisk = join(packageRoot(), 'test', 'fixtures', 'sounds', 'short-greeting.wav');
const tone = (n: number) =>
  wavFile(
    Int16Array.from({ length: 8000 }, (_, i) => Math.round(8000 * Math.sin(i / n))),
    8000,
  );
const entry = (name: string, wav = tone(3)) => ({ name, wav, durationMs: 1000, source: `${name}.mp3`, sourceBytes: 1234 });

function config(greeting: string, holidayAnnouncement: string): AppConfig {
  const r = loadConfigText(
    '/nowhere/test.yaml',
    [
      'defaults: { region: PL, timezone: Europe/Warsaw, hours: "09:00-17:00" }',
      'numbers:',
      `  - did: "+48 22 123 45 67"`,
      `    afterHours: { action: voicemail, voicemail: { greeting: "${greeting}" } }`,
      `    holidays: [{ date: 12-24, afterHours: { action: hangup, hangup: { announcement: "${holidayAnnouncement}" } } }]`,
      '',
    ].join('\n'),
    { now: now.getTime() },
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

/** What configPush.lua stores as the current version (readConfig's format). */
async function storeAsPushed(redis: Redis, prefix: string, c: AppConfig, version: number): Promise<void> {
  await redis.set(configKeys(prefix).current, `${JSON.stringify({ version, pushedAt: now.toISOString() })}\n${serialiseConfig(c)}`);
}

describe('sound store', () => {
  let server: RedisServer;
  let redis: Redis;
  let n = 0;
  let prefix = '';
  beforeAll(async () => {
    server = await startRedisServer();
    redis = server.client();
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    prefix = `t${++n}:`;
  });

  it('stores, lists and reads a sound; the same name again only with replace, announced each time', async () => {
    const sub = server.client();
    const heard: string[] = [];
    await sub.subscribe(soundKeys(prefix).channel);
    sub.on('message', (_c: string, m: string) => heard.push(m));
    const first = await addSound(redis, prefix, entry('xmas'), { replace: false, now });
    expect(first).toMatchObject({ replaced: false, sound: { name: 'xmas', hash: soundHash(tone(3)), bytes: tone(3).length } });
    await expect(addSound(redis, prefix, entry('xmas', tone(5)), { replace: false, now })).rejects.toThrow(
      'a sound named "xmas" is stored already (give --replace to replace it)',
    );
    expect((await readSound(redis, prefix, 'xmas'))?.wav.equals(tone(3))).toBe(true);
    expect((await addSound(redis, prefix, entry('xmas', tone(5)), { replace: true, now })).replaced).toBe(true);
    expect((await readSound(redis, prefix, 'xmas'))?.wav.equals(tone(5))).toBe(true);
    await addSound(redis, prefix, entry('after'), { replace: false, now });
    expect((await listSounds(redis, prefix)).map((s) => [s.name, s.source, s.addedAt])).toEqual([
      ['after', 'after.mp3', now.toISOString()],
      ['xmas', 'xmas.mp3', now.toISOString()],
    ]);
    expect(await readSound(redis, prefix, 'nope')).toBeUndefined();
    // Redis answers the subscriber's PING after every message published before it.
    await sub.ping();
    expect(heard).toEqual(['xmas', 'xmas', 'after']);
  });

  it('a push naming a sound that is not stored is refused, where it is used; nothing is pushed', async () => {
    const c = config('sound:welcome', 'sound:christmas');
    expect(storedSoundNames(c)).toEqual(['welcome', 'christmas']);
    await addSound(redis, prefix, entry('welcome'), { replace: false, now });
    const push = jest.fn(async () => 7);
    await expect(withStoredSounds(redis, prefix, c, push)).rejects.toThrow(
      'sound "christmas" is not stored (used by +48221234567 holidays[0].afterHours.hangup.announcement): nothing pushed; add it with: after-hours sound add FILE --name christmas',
    );
    expect(push).not.toHaveBeenCalled();
    await addSound(redis, prefix, entry('christmas'), { replace: false, now });
    expect(await withStoredSounds(redis, prefix, c, push)).toBe(7);
    expect(await redis.exists(soundKeys(prefix).pushLock)).toBe(0);
  });

  it('a removal is refused while the pushed configuration uses the sound, or while a push is checking; then it goes', async () => {
    await addSound(redis, prefix, { ...entry('welcome'), wav16: tone(2) }, { replace: false, now });
    expect((await readSound(redis, prefix, 'welcome'))?.wav16?.equals(tone(2))).toBe(true);
    await storeAsPushed(redis, prefix, config('sound:welcome', onDisk), 4);
    const refused = await removeSound(redis, prefix, 'welcome').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SoundStoreError);
    expect((refused as Error).message).toBe(
      'the sound "welcome" is used by the pushed configuration (version 4): +48221234567 afterHours.voicemail.greeting, +48221234567 holidays[0].afterHours.voicemail.greeting; push a configuration without it first',
    );
    expect(await readSound(redis, prefix, 'welcome')).toBeDefined();

    await storeAsPushed(redis, prefix, config(onDisk, onDisk), 5);
    await redis.set(soundKeys(prefix).pushLock, 'x');
    await expect(removeSound(redis, prefix, 'welcome')).rejects.toThrow(
      'a configuration is being pushed right now; nothing removed, try again',
    );
    await redis.del(soundKeys(prefix).pushLock);
    await removeSound(redis, prefix, 'welcome');
    expect(await readSound(redis, prefix, 'welcome')).toBeUndefined();
    expect(await redis.exists(soundKeys(prefix).content('welcome'), soundKeys(prefix).content16('welcome'))).toBe(0);
    await expect(removeSound(redis, prefix, 'welcome')).rejects.toThrow('no sound named "welcome" is stored');
  });

  it('the daemon side: held sounds by hash URL, others fetched by hash, or written for a same-host Asterisk', async () => {
    const wav = tone(3);
    const hash = soundHash(wav);
    const remote = new SoundCatalogue('http://10.0.0.5:9464/sounds');
    expect(remote.uriFor('sound:welcome')).toBe('sound:after-hours-stored-sound-not-loaded/welcome');
    remote.setStored([{ name: 'welcome', hash, wav }]);
    expect(remote.uriFor('sound:welcome')).toBe(`sound:http://10.0.0.5:9464/sounds/${hash}.wav`);
    expect(remote.read(`${hash}.wav`)?.content.equals(wav)).toBe(true);
    const other = tone(7);
    remote.fetchStored = async (h) => (h === soundHash(other) ? other : undefined);
    expect((await remote.serve(`${soundHash(other)}.wav`))?.content.equals(other)).toBe(true);
    expect(await remote.serve(`${'0'.repeat(32)}.wav`)).toBeUndefined();

    const dir = join(mkdtempSync(join(tmpdir(), 'ah-stored-')), 'sounds');
    const local = new SoundCatalogue(undefined, dir);
    expect(local.setStored([{ name: 'welcome', hash, wav, wav16: tone(2) }])).toEqual([]);
    // One base name for both: Asterisk picks wav or wav16 by the call's codec.
    expect(local.uriFor('sound:welcome')).toBe(`sound:${join(dir, hash)}`);
    expect(statSync(join(dir, `${hash}.wav16`)).size).toBe(tone(2).length);
    const st = statSync(join(dir, `${hash}.wav`));
    expect(st.size).toBe(wav.length);
    expect(st.mode & 0o777).toBe(0o644);
  });
});

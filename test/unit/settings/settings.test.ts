// The declaration of every setting: what it accepts and refuses, that secrets are never echoed,
// that every variable the sources read is declared, and that the README's tables are generated.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS, SECRET_SETTINGS, type SettingName } from '../../../src/settings/declaration';
import { withSettingsTables } from '../../../src/settings/docs';
import { cliSettings, consoleSettings, daemonSettings, workerSettings } from '../../../src/settings/processes';
import { readValues, withoutSecrets } from '../../../src/settings/read';
import { SettingsError } from '../../../src/settings/settingsError';
import { SOUND_LIMITS } from '../../../src/sounds/soundPcm';
import { DEFAULT_MEMORY_LIMIT } from '../../../src/store/eventSpool';
import { MAX_VERSIONS_KEPT, DEFAULT_VERSIONS_KEPT } from '../../../src/store/configVersions';
import { DEFAULT_PREFIX } from '../../../src/store/eventStream';
import { packageRoot } from '../../../src/shared/paths';

const root = packageRoot();

function refusal(f: () => unknown): SettingsError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(SettingsError);
    return err as SettingsError;
  }
  throw new Error('not refused');
}

describe('the declaration', () => {
  it('defaults: a process with an empty environment gets every default, typed', () => {
    const d = daemonSettings({});
    expect(d.ARI_HEARTBEAT_MS).toBe(5000);
    expect(d.ARI_REST_CLIENT).toBe('own');
    expect(d.LOG_MASK_CALLERS).toBe(false);
    expect(d.FEATURE_CODE_PIN).toBeUndefined();
    expect(d.metricsListen).toEqual({ host: undefined, port: 9464 });
    expect(d.decisionListen).toEqual({ host: '127.0.0.1', port: 9466 });
    expect(d.redis.endpoint).toEqual({ kind: 'standalone', url: 'redis://127.0.0.1:6379', username: undefined, password: undefined });
    expect(d.spoolDir).toMatch(/after-hours[/\\]spool$/);
    expect(daemonSettings({ XDG_STATE_HOME: '/state' }).spoolDir).toBe(join('/state', 'after-hours', 'spool'));
    expect(workerSettings({}).metricsListen.port).toBe(9465);
    expect(workerSettings({}).smtp).toBeUndefined();
    expect(consoleSettings({}).CONSOLE_PORT).toBe(9470);
    expect(cliSettings({}).CONFIG_VERSIONS_KEEP).toBe(DEFAULT_VERSIONS_KEPT);
  });

  it('every refusal at once, each naming the variable, the reason and the value', () => {
    const err = refusal(() => readValues('daemon', { ARI_HEARTBEAT_MS: '1e3', CONTINUE_PRIORITY: '0', LOG_MASK_CALLERS: 'maybe' }));
    expect(err.message).toBe(
      'ARI_HEARTBEAT_MS must be a whole number from 100 to 600000 (got "1e3"); CONTINUE_PRIORITY must be a whole number from 1 to 100000 (got "0"); LOG_MASK_CALLERS must be 1 (on) or 0 (off) (got "maybe")',
    );
  });

  it('a process reads only its own settings: a bad worker value does not stop the daemon', () => {
    expect(() => daemonSettings({ CRM_CONCURRENCY: '0' })).not.toThrow();
    expect(() => workerSettings({ CRM_CONCURRENCY: '0' })).toThrow(/CRM_CONCURRENCY/);
  });

  it.each([
    ['1', true],
    ['yes', true],
    ['0', false],
    ['off', false],
  ])('a flag reads %s as %s', (raw, value) => {
    expect(daemonSettings({ LOG_MASK_CALLERS: raw }).LOG_MASK_CALLERS).toBe(value);
  });

  it('numbers: fractions where declared, never exponents, signs or units', () => {
    expect(workerSettings({ BITRIX24_RATE_PER_SECOND: '0.5' }).BITRIX24_RATE_PER_SECOND).toBe(0.5);
    for (const raw of ['0', '-1', '1e1', '2/s', 'Infinity'])
      expect(() => workerSettings({ BITRIX24_RATE_PER_SECOND: raw })).toThrow(/BITRIX24_RATE_PER_SECOND must be a number over 0 to 1000/);
  });

  it('a secret is never echoed: neither a refused value nor a piece of it in a combined check', () => {
    const pin = refusal(() => daemonSettings({ FEATURE_CODE_PIN: '12ab' }));
    expect(pin.message).toBe('FEATURE_CODE_PIN must be 1 to 16 digits (the value is a secret: not shown)');
    const env = { REDIS_URL: 'redis+sentinel://:pa55@word@sentinel-a:26379,sentinel-b/mymaster' };
    const redis = refusal(() => daemonSettings(env));
    expect(redis.message).toMatch(/^REDIS_URL/);
    expect(redis.message).not.toMatch(/pa55|word/);
    expect(withoutSecrets('got redis://u:s3cr3t@h:1 and s3cr3t', { REDIS_URL: 'redis://u:s3cr3t@h:1' })).toBe('got *** and ***');
  });

  it('a redis+sentinel:// URL with several sentinels is taken (no URL parser reads it; redis.ts does)', () => {
    const r = daemonSettings({ REDIS_URL: 'redis+sentinel://:pw@127.0.0.1:26379,[::1]:26380/mymaster' }).redis.endpoint;
    expect(r).toMatchObject({
      kind: 'sentinel',
      name: 'mymaster',
      password: 'pw',
      sentinels: [{ port: 26379 }, { host: '::1', port: 26380 }],
    });
    expect(() => daemonSettings({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(
      'REDIS_URL must be a redis://, rediss:// or redis+sentinel:// URL (the value is a secret: not shown)',
    );
  });

  it('the password with an unencoded @ in a redis+sentinel:// URL is the password, not a host', () => {
    const r = daemonSettings({ REDIS_URL: 'redis+sentinel://:pa@ss@host:26379/name' }).redis.endpoint;
    expect(r).toMatchObject({ kind: 'sentinel', name: 'name', password: 'pa@ss', sentinels: [{ host: 'host', port: 26379 }] });
  });

  it('every secret is declared a secret, and each has a doc line, a type and a process', () => {
    for (const name of Object.keys(SETTINGS) as SettingName[]) {
      const s = SETTINGS[name];
      expect(s.doc.length).toBeGreaterThan(5);
      expect(s.processes.length).toBeGreaterThan(0);
      if (/PASSWORD|SECRET|_PIN$/.test(name)) expect(SECRET_SETTINGS).toContain(name);
    }
  });

  it("the declaration's bounds are the modules' own", () => {
    expect(SETTINGS.CONSOLE_SOUND_UPLOAD_BYTES.default).toBe(SOUND_LIMITS.maxUploadBytes);
    expect(SETTINGS.SPOOL_MEMORY_EVENTS.default).toBe(DEFAULT_MEMORY_LIMIT);
    expect(SETTINGS.CONFIG_VERSIONS_KEEP.default).toBe(DEFAULT_VERSIONS_KEPT);
    expect(cliSettings({ CONFIG_VERSIONS_KEEP: String(MAX_VERSIONS_KEPT) }).CONFIG_VERSIONS_KEEP).toBe(MAX_VERSIONS_KEPT);
    expect(SETTINGS.REDIS_PREFIX.default).toBe(DEFAULT_PREFIX);
  });
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('one place reads the environment', () => {
  it('outside src/settings, no module parses process.env (the CLI asks who you are, the sound player whether LOG_LEVEL is set)', () => {
    const readers = sources(join(root, 'src'))
      .filter((f) => !f.includes(`${join('src', 'settings')}`))
      .flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(/process\.env(?:\.([A-Z_]+)|\[)/g)].map((m) => `${f.slice(root.length + 1)}:${m[1] ?? '['}`),
      )
      .filter((r) => !/cliWho\.ts:(USER|LOGNAME)$|soundPlay\.ts:LOG_LEVEL$/.test(r));
    expect(readers).toEqual([]);
  });

  it("the docs' tables (README.md, docs/*.md) are the ones the declaration generates (npm run docs:settings)", () => {
    const docs = join(root, 'docs');
    const files = [
      'README.md',
      ...readdirSync(docs)
        .filter((f) => f.endsWith('.md'))
        .map((f) => join('docs', f)),
    ];
    const texts = files.map((f) => readFileSync(join(root, f), 'utf8'));
    for (const marker of ['daemon', 'worker', 'console', 'cli'])
      expect(texts.filter((t) => t.includes(`<!-- settings:${marker} -->`)).length).toBe(1);
    files.forEach((f, i) => expect({ file: f, text: withSettingsTables(texts[i] ?? '') }).toEqual({ file: f, text: texts[i] }));
  });
});

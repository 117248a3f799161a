// The override and crm-worker verbs as a user runs them: the real process (the built
// dist/src/cli/main.js, see test/support/cliProcess) against a throwaway redis-server. Every
// refusal says what is wrong; usage errors exit 2; nothing is stored by a refused command;
// text listings never pass control characters from stored data to the terminal.
import { execFile, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { freeTcpPort } from '../../support/daemon';
import { FakeBitrix24 } from '../../support/fakeBitrix24';
import { startRedisServer, type RedisServer } from '../../support/redisServer';
import { builtCli } from '../../support/cliProcess';

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '..', '..', '..');
const MAIN = builtCli();
const SAMPLE = 'config/after-hours.yaml';
const STACK = /\n\s+at .+:\d+:\d+\)?/;
const DID = '+48221234567';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let server: RedisServer;
let redis: Redis;
let prefixCounter = 0;
let prefix: string;

function cli(args: string[], env: Record<string, string> = {}, timeout = 30_000): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { cwd: ROOT, env: { ...process.env, TZ: 'UTC', REDIS_URL: server.url, REDIS_PREFIX: prefix, LOG_LEVEL: 'silent', ...env }, timeout },
      (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  server = await startRedisServer();
  redis = server.client();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  prefixCounter += 1;
  prefix = `cli-${process.pid}-${prefixCounter}:`;
});

const stored = async (): Promise<Record<string, string>> => redis.hgetall(`${prefix}overrides`);

describe('override set refuses, before storing anything, with a message and exit 2', () => {
  it.each([
    ['an absurd --for', ['--for', '999999999d'], /--for <duration>.*at most 366 days/],
    ['--for just over 366 days', ['--for', '8785h'], /at most 366 days/],
    ['--for 0h', ['--for', '0h'], /longer than zero/],
    ['an --until in the past', ['--until', '2020-01-01T00:00:00Z'], /--until: the expiry 2020-01-01T00:00:00.000Z is not in the future/],
    ['an --until more than 366 days ahead', ['--until', '2999-01-01T00:00:00Z'], /--until: the expiry is more than 366 days ahead/],
    ['an --until that is no real date', ['--until', '2026-02-30T10:00:00Z'], /--until <iso>.*not an ISO 8601 date-time/],
    [
      '--until together with --for',
      ['--until', new Date(Date.now() + 3_600_000).toISOString(), '--for', '2h'],
      /give --until or --for, not both/,
    ],
    ['a --did that is not a phone number', ['--did', 'reception'], /"reception" is not a phone number/],
    ['a note over 500 characters', ['--note', 'x'.repeat(501)], /at most 500 characters/],
  ])('%s', async (_name, extra, message) => {
    const args = ['override', 'set', '--state', 'closed', ...(extra.includes('--did') ? [] : ['--did', DID]), ...extra];
    const r = await cli(args);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(await stored()).toEqual({});
  });

  it('the longest allowed --for (366d) is stored and listed', async () => {
    const set = await cli(['override', 'set', '--did', DID, '--state', 'open', '--for', '366d']);
    expect(set).toMatchObject({ code: 0, stderr: '' });
    const list = await cli(['override', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^\\${DID}\topen\t\\d{4}-\\d\\d-\\d\\dT`));
  });
});

describe('override list', () => {
  it('skips a malformed stored entry with a warning and lists the others', async () => {
    // What `override set --for 999999999d` stored before it was refused, and plain junk.
    await redis.hset(
      `${prefix}overrides`,
      '+48221234568',
      JSON.stringify({ did: '+48221234568', state: 'closed', until: 86_400_000_000_000_000, setAt: Date.now() }),
    );
    await redis.hset(`${prefix}overrides`, '+48221234569', '{not json');
    await redis.hset(`${prefix}overrides`, DID, JSON.stringify({ did: DID, state: 'closed', note: 'flood', setAt: Date.now() }));
    const r = await cli(['override', 'list']);
    expect(r.code).toBe(0);
    // The entry a version before 0.2 wrote (one object per number) is read as the override `legacy`.
    expect(r.stdout).toMatch(new RegExp(`^\\${DID}\tclosed\t\\d{4}-[^\t]+Z\tuntil cleared\tin force\tlegacy\tflood\t\n$`));
    expect(r.stderr).toContain('skipped the stored override "+48221234568": the expiry is not a time');
    expect(r.stderr).toContain('skipped the stored override "+48221234569": not JSON');
    const json = await cli(['override', 'list', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ did: DID, state: 'closed' })]);
  });

  it('shows control characters and ANSI escapes in notes escaped; --json keeps the exact text', async () => {
    const note = 'burst \u001b[31mpipe\u001b[0m\nfake\tline\r\u0007\u009b2J\u202e';
    const set = await cli(['override', 'set', '--did', DID, '--state', 'closed', '--note', note]);
    expect(set.code).toBe(0);
    const r = await cli(['override', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /\tuntil cleared\tin force\t[0-9a-f]{8}\tburst \\x1b\[31mpipe\\x1b\[0m\\nfake\\tline\\r\\x07\\x9b2J\\u202e\t[^\t\n]+\n$/,
    );
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    const json = await cli(['override', 'list', '--json']);
    expect(JSON.parse(json.stdout)[0].note).toBe(note);
  });

  it('override clear with a --did that is not a phone number: exit 2 with the reason', async () => {
    const r = await cli(['override', 'clear', '--did', 'reception']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: option '--did <number>' argument 'reception' is invalid\. .*phone number/);
  });
});

describe('check --did that is not a phone number', () => {
  it('is a usage error (exit 2) with the reason, not "not configured" (exit 3)', async () => {
    const r = await cli(['check', '--config', SAMPLE, '--did', 'reception']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'after-hours: "reception" is not a phone number\n' });
  });
});

describe('crm-worker', () => {
  const deadKey = () => `${prefix}events:dead`;

  it('dead list shows control characters and ANSI escapes in errors escaped', async () => {
    await redis.xadd(
      deadKey(),
      '*',
      'id',
      'evt-1',
      'event',
      '{}',
      'error',
      'bitrix24: \u001b]0;owned\u0007HTTP 500\n\tat x',
      'deliveries',
      '5',
      'source',
      '1-0',
      'failedAt',
      '2026-01-01T00:00:00.000Z',
    );
    const r = await cli(['crm-worker', 'dead', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+-\d+\tevt-1\t2026-01-01T00:00:00.000Z\tdeliveries=5\tbitrix24: \\x1b\]0;owned\\x07HTTP 500\\n\\tat x\n$/);
    expect(r.stderr).toBe('1 dead letter(s)\n');
  });

  it.each([
    ['neither an ID nor --all', ['crm-worker', 'dead', 'retry']],
    ['both an ID and --all', ['crm-worker', 'dead', 'retry', '1-0', '--all']],
  ])('dead retry with %s: exit 2, saying what to give', async (_name, args) => {
    const r = await cli(args);
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'after-hours: give either an ID or --all\n' });
  });

  it.each([
    [
      'CRM_ADAPTER=constructor',
      { CRM_ADAPTER: 'constructor' },
      'after-hours: CRM_ADAPTER must be one of bitrix24, webhook, none (got "constructor")\n',
    ],
    [
      'CRM_ADAPTER=toString',
      { CRM_ADAPTER: 'toString' },
      'after-hours: CRM_ADAPTER must be one of bitrix24, webhook, none (got "toString")\n',
    ],
    [
      'an http:// BITRIX24_WEBHOOK_URL',
      { CRM_ADAPTER: 'bitrix24', BITRIX24_WEBHOOK_URL: 'http://127.0.0.1:9/rest/1/TOPSECRET/' },
      'after-hours: BITRIX24_WEBHOOK_URL must be https://: over http:// the token in it travels in clear (set BITRIX24_ALLOW_INSECURE_HTTP=1 only for a local test server)\n',
    ],
  ])(
    'refuses to start with %s: exit 78 (a refused setting, not restarted) and the reason, before serving /healthz',
    async (_name, env, stderr) => {
      const r = await cli(['crm-worker'], { ...env, METRICS_PORT: String(await freeTcpPort()) }, 20_000);
      expect(r).toEqual({ code: 78, stdout: '', stderr });
    },
  );

  it('starts against the fake portal over http:// on loopback when BITRIX24_ALLOW_INSECURE_HTTP=1', async () => {
    const fake = await new FakeBitrix24().start();
    const port = await freeTcpPort();
    const proc = spawn(process.execPath, [MAIN, 'crm-worker'], {
      cwd: ROOT,
      env: {
        ...process.env,
        REDIS_URL: server.url,
        REDIS_PREFIX: prefix,
        LOG_LEVEL: 'silent',
        METRICS_PORT: String(port),
        ...fake.workerEnv,
      },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    try {
      let status = 0;
      for (let i = 0; i < 150 && status !== 200 && proc.exitCode === null; i++) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (res) => res.status,
          () => 0,
        );
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(200);
    } finally {
      proc.kill('SIGTERM');
      await exited;
      await fake.stop();
    }
  });
});

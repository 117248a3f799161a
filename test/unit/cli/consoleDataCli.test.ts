// The verbs of the console's data as a user runs them: the real process (the built
// dist/src/cli/main.js, see test/support/cliProcess) against a throwaway redis-server. push keeps
// versions with their author and note; config versions | show | diff | rollback; scheduled
// overrides; export ical. Refusals exit 2 with the reason and change nothing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import ical, { type VEvent } from 'node-ical';
import { runCliSource } from '../../support/cliProcess';
import { startRedisServer, type RedisServer } from '../../support/redisServer';

jest.setTimeout(120_000);

const DID = '+48221234567';

let server: RedisServer;
let redis: Redis;
let counter = 0;
let prefix: string;
const dir = mkdtempSync(join(tmpdir(), 'ah-cli-versions-'));
const file = join(dir, 'after-hours.yaml');
const yaml = (hours: string) =>
  `numbers:\n  - did: "+48 22 123 45 67"\n    name: Office\n    timezone: Europe/Warsaw\n    hours: { mon-sun: "${hours}" }\n`;

const cli = (args: string[]) =>
  runCliSource(args, { ...process.env, TZ: 'UTC', REDIS_URL: server.url, REDIS_PREFIX: prefix, LOG_LEVEL: 'silent' });

beforeAll(async () => {
  server = await startRedisServer();
  redis = server.client();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  prefix = `cli-data-${process.pid}-${++counter}:`;
});

describe('push keeps versions; config versions, show, diff, rollback', () => {
  it('a session: two pushes, the list, the diff, a rollback, its audit entry', async () => {
    writeFileSync(file, yaml('09:00-17:00'));
    expect(await cli(['push', '--config', file, '--author', 'alice', '--note', 'winter hours'])).toMatchObject({ code: 0 });
    writeFileSync(file, yaml('08:00-20:00'));
    expect((await cli(['push', '--config', file])).stdout).toContain('pushed as version 2');

    const list = await cli(['config', 'versions']);
    expect(list.code).toBe(0);
    const lines = list.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(lines.map((l) => [l[0], l[2], l[3], l[5], l[6]])).toEqual([
      ['2', expect.any(String), 'cli', '1 numbers', ''],
      ['1', 'alice', 'cli', '1 numbers', 'winter hours'],
    ]);
    expect(lines[0]![2]).not.toBe(''); // the login name when no --author

    const diff = await cli(['config', 'diff', '1', '2']);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('-    hours: { mon-sun: "09:00-17:00" }\n+    hours: { mon-sun: "08:00-20:00" }');
    expect((await cli(['config', 'show', '1'])).stdout).toBe(yaml('09:00-17:00'));

    const back = await cli(['config', 'rollback', '1', '--author', 'bob']);
    expect(back).toMatchObject({ code: 0, stdout: 'version 1: pushed again as version 3 (1 numbers)\n' });
    const json = JSON.parse((await cli(['config', 'versions', '--json'])).stdout) as Array<{
      version: number;
      rollbackOf?: number;
      author: string;
    }>;
    expect(json[0]).toMatchObject({ version: 3, rollbackOf: 1, author: 'bob' });
    const audit = await redis.xrevrange(`${prefix}audit`, '+', '-', 'COUNT', 1);
    expect(audit[0]![1]).toEqual(expect.arrayContaining(['action', 'config.rollback', 'actor', 'bob', 'door', 'cli']));
    const trail = await cli(['audit', 'list', '--action', 'config.']);
    expect(
      trail.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t').slice(1, 3).concat(l.split('\t')[4]!)),
    ).toEqual([
      ['bob', 'cli', 'config.rollback'],
      [expect.any(String), 'cli', 'config.push'],
      ['alice', 'cli', 'config.push'],
    ]);
    const page = JSON.parse((await cli(['audit', 'list', '--actor', 'alice', '--json', '--limit', '1'])).stdout);
    expect(page.entries).toEqual([expect.objectContaining({ note: 'winter hours', after: { version: 1, sha256: expect.any(String) } })]);
    expect((await cli(['audit', 'list', '--door', 'fax'])).code).toBe(2);
  });

  it.each([
    ['diff with a version never pushed', ['config', 'diff', '1', '7'], /configuration version 1 is not kept/],
    ['rollback of a version never pushed', ['config', 'rollback', '4'], /configuration version 4 is not kept/],
    ['a version that is no number', ['config', 'show', 'latest'], /"latest" is not a version number/],
    ['a push note over 500 characters', ['push', '--config', 'x.yaml', '--note', 'n'.repeat(501)], /at most 500 characters/],
  ])('%s: exit 2 with the reason, nothing changed', async (_name, args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(await redis.keys(`${prefix}*`)).toEqual([]);
  });
});

describe('scheduled overrides from the CLI', () => {
  it('set one for later beside the current one; list says which is in force; clear one by id', async () => {
    const from = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const until = new Date(Date.now() + 3 * 3_600_000).toISOString();
    expect((await cli(['override', 'set', '--did', DID, '--state', 'open', '--by', 'alice'])).code).toBe(0);
    const later = await cli([
      'override',
      'set',
      '--did',
      DID,
      '--state',
      'closed',
      '--from',
      from,
      '--until',
      until,
      '--note',
      'staff meeting',
    ]);
    expect(later.code).toBe(0);
    const id = /\(id ([0-9a-f]{8})\)/.exec(later.stdout)![1]!;
    const list = (await cli(['override', 'list'])).stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(list.map((l) => [l[1], l[4], l[6], l[7]])).toEqual([
      ['open', 'in force', '', 'alice'],
      ['closed', 'scheduled', 'staff meeting', expect.any(String)],
    ]);
    expect(list[1]![2]).toBe(new Date(Date.parse(from)).toISOString());
    expect(list[1]![5]).toBe(id);
    expect(await cli(['override', 'clear', '--did', DID, '--id', id])).toMatchObject({
      code: 0,
      stdout: `${DID}: override ${id} cleared\n`,
    });
    expect((await cli(['override', 'list'])).stdout.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('check --overrides answers as the daemons do: the stored override in force at --at wins over the schedule', async () => {
    writeFileSync(file, yaml('00:00-24:00'));
    const from = new Date(Date.now() + 2 * 3_600_000);
    const until = new Date(Date.now() + 3 * 3_600_000);
    const set = ['override', 'set', '--did', DID, '--state', 'closed', '--from', from.toISOString(), '--until', until.toISOString()];
    expect((await cli(set)).code).toBe(0);
    const check = async (at: Date, ...extra: string[]) => {
      const r = await cli(['check', '--config', file, '--did', DID, '--at', at.toISOString(), '--json', ...extra]);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as { open: boolean; reason: string; nextChange: string | null };
    };
    const during = new Date(from.getTime() + 1_800_000);
    expect(await check(during)).toMatchObject({ open: true, reason: 'working-hours' });
    expect(await check(during, '--overrides')).toMatchObject({ open: false, reason: 'override' });
    expect(Math.abs(Date.parse((await check(during, '--overrides')).nextChange!) - until.getTime())).toBeLessThan(1000);
    // Before it starts: the schedule, and the override's start as the next change.
    const before = await check(new Date(from.getTime() - 1_800_000), '--overrides');
    expect(before).toMatchObject({ open: true, reason: 'working-hours' });
    expect(Math.abs(Date.parse(before.nextChange!) - from.getTime())).toBeLessThan(60_000);
  });

  it('refuses a start after the expiry, storing nothing', async () => {
    const later = (ms: number) => new Date(Date.now() + ms).toISOString();
    const scheduled = (...end: string[]) => cli(['override', 'set', '--did', DID, '--state', 'closed', '--from', later(7_200_000), ...end]);
    expect((await scheduled('--for', '0h')).code).toBe(2);
    const r = await scheduled('--until', later(3_600_000));
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toMatch(/the start is not before the expiry/);
    expect(await redis.keys(`${prefix}*`)).toEqual([]);
  });
});

describe('export ical', () => {
  it('from the pushed configuration with the overrides in Redis', async () => {
    writeFileSync(file, yaml('00:00-24:00'));
    expect((await cli(['push', '--config', file])).code).toBe(0);
    // Open all day every day; closed for an hour tomorrow: two intervals split around it.
    const from = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 + 86_400_000 + 10 * 3_600_000);
    const until = new Date(from.getTime() + 3_600_000);
    expect(
      (await cli(['override', 'set', '--did', DID, '--state', 'closed', '--from', from.toISOString(), '--until', until.toISOString()]))
        .code,
    ).toBe(0);
    const r = await cli(['export', 'ical', '--did', '+48 22 123 45 67', '--weeks', '1']);
    expect(r.code).toBe(0);
    const events = Object.values(ical.sync.parseICS(r.stdout)).filter((c): c is VEvent => c?.type === 'VEVENT');
    expect(events).toHaveLength(2);
    expect(events[0]!.end!.toISOString()).toBe(from.toISOString());
    expect(events[1]!.start.toISOString()).toBe(until.toISOString());
  });

  it('refuses an unknown number and weeks out of range', async () => {
    writeFileSync(file, yaml('09:00-17:00'));
    expect((await cli(['export', 'ical', '--config', file, '--did', '+48221234568'])).stderr).toMatch(/\+48221234568 is not configured/);
    const r = await cli(['export', 'ical', '--config', file, '--did', DID, '--weeks', '60']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/from 1 to 52/);
  });
});

describe('crm-worker dead retry', () => {
  it('is on the audit trail: which dead letter, by whom, where it went', async () => {
    const deadId = await redis.xadd(`${prefix}events:dead`, '*', 'id', 'ev-1', 'event', '{}', 'error', 'refused');
    const r = await cli(['crm-worker', 'dead', 'retry', deadId!]);
    expect(r.code).toBe(0);
    const page = JSON.parse((await cli(['audit', 'list', '--json'])).stdout);
    expect(page.entries).toEqual([
      expect.objectContaining({
        door: 'cli',
        action: 'deadletter.retry',
        target: deadId,
        after: { entryId: expect.any(String) },
      }),
    ]);
  });
});

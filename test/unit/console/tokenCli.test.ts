// `after-hours token create | list | revoke` as a user runs them, against a throwaway
// redis-server: the token is printed once and works; only its digest is stored; each change is
// on the audit trail (door cli); refusals exit 2 with the reason and change nothing.
import type { Redis } from 'ioredis';
import { pageLanguage } from '../../../src/console/page';
import { tokenKeys, verifyToken } from '../../../src/console/tokens';
import { listAudit } from '../../../src/store/auditLog';
import { startRedisServer, type RedisServer } from '../../support/redisServer';
import { runCliSource } from '../../support/cliProcess';

jest.setTimeout(120_000);

let server: RedisServer;
let redis: Redis;
let counter = 0;
let prefix: string;

beforeAll(async () => {
  server = await startRedisServer();
  redis = server.client();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  prefix = `token-cli-${process.pid}-${++counter}:`;
});

const cli = (...args: string[]) =>
  runCliSource(['token', ...args], { ...process.env, TZ: 'UTC', LOG_LEVEL: 'silent', REDIS_URL: server.url, REDIS_PREFIX: prefix });

describe('token CLI', () => {
  it('creates a token printed once (stored only as its digest), lists it, revokes it; both audited as cli', async () => {
    const created = await cli('create', '--name', 'alice', '--role', 'operator', '--expires', '30d', '--by', 'ops');
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^aht_[\w-]{43}$/);
    expect(created.stderr).toMatch(/^token "alice" \(operator, expires \d{4}-\d\d-\d\dT[\d:.]+Z\); it is shown only now:\n$/);
    const check = await verifyToken(redis, prefix, token, Date.now());
    expect(check).toEqual(expect.objectContaining({ ok: true, record: expect.objectContaining({ name: 'alice', role: 'operator' }) }));
    const stored = JSON.stringify(await redis.hgetall(tokenKeys(prefix).byDigest));
    expect(stored).not.toContain(token);

    const list = await cli('list');
    expect(list.stdout).toMatch(/^alice\toperator\tcreated \S+\texpires \S+\n$/);
    expect(JSON.parse((await cli('list', '--json')).stdout)).toEqual([expect.objectContaining({ name: 'alice', role: 'operator' })]);

    expect((await cli('revoke', 'alice', '--by', 'ops')).stdout).toBe('token "alice" revoked\n');
    expect((await verifyToken(redis, prefix, token, Date.now())).ok).toBe(false);
    expect((await cli('list')).stdout).toBe('no tokens\n');
    const audit = (await listAudit(redis, prefix)).entries.map((e) => [e.action, e.target, e.actor, e.door]);
    expect(audit).toEqual([
      ['token.revoke', 'alice', 'ops', 'cli'],
      ['token.create', 'alice', 'ops', 'cli'],
    ]);
  });

  it.each([
    [
      ['create', '--name', 'x', '--role', 'root'],
      "option '--role <role>' argument 'root' is invalid. must be one of viewer, operator, admin",
    ],
    [['create', '--name', 'a b', '--role', 'viewer'], 'token not created: the name must be 1 to 64 letters, digits'],
    [
      ['create', '--name', 'x', '--role', 'viewer', '--expires', 'soon'],
      '"soon" is neither a duration like 90d or 12h nor an ISO 8601 date-time',
    ],
    [['create', '--name', 'x', '--role', 'viewer', '--expires', '2001-01-01T00:00:00Z'], 'is not in the future'],
    [['revoke', 'nobody'], 'no token is named "nobody"'],
  ])('refuses %j with exit 2 and stores nothing', async (args, message) => {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(await redis.exists(tokenKeys(prefix).byDigest, tokenKeys(prefix).byName)).toBe(0);
    expect((await listAudit(redis, prefix)).entries).toEqual([]);
  });

  it('refuses a name that is taken (exit 2); the first token stays', async () => {
    const first = (await cli('create', '--name', 'bob', '--role', 'viewer')).stdout.trim();
    const again = await cli('create', '--name', 'bob', '--role', 'admin');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('a token named "bob" exists (revoke it first)');
    expect(await verifyToken(redis, prefix, first, Date.now())).toEqual(
      expect.objectContaining({ ok: true, record: expect.objectContaining({ role: 'viewer' }) }),
    );
  });
});

describe('page language', () => {
  it.each([
    [undefined, 'en'],
    ['pl', 'pl'],
    ['pl-PL,pl;q=0.9,en-US;q=0.8', 'pl'],
    ['en-US,en;q=0.9,pl;q=0.8', 'en'],
    ['de-DE,pl;q=0.5', 'pl'],
    ['de-DE,fr;q=0.5', 'en'],
    ['en;q=0.2,pl;q=0.3', 'pl'],
    ['pl;q=0', 'en'],
  ])('Accept-Language %s → %s', (header, lang) => {
    expect(pageLanguage(header)).toBe(lang);
  });
});

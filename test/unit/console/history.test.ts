// The console's configuration versions, audit list, recent calls and CRM delivery state,
// against a real Redis: each role and refusal, and nothing changed by a refused request.
import { moveToDead } from '../../../src/crm/deadLetters';
import { EventStream, streamKeys } from '../../../src/store/eventStream';
import { listAudit } from '../../../src/store/auditLog';
import { listVersions } from '../../../src/store/configVersions';
import { startRedisServer } from '../../support/redisServer';
import { makeEvent } from '../crm/fixtures';
import { CONFIG_YAML, OPEN_DID, startHarness, useConsoleHarness, type Harness } from './harness';

jest.setTimeout(30_000);

const harness = useConsoleHarness(startRedisServer);
let h: Harness;
beforeEach(() => {
  h = harness();
});

const auditNow = async () => (await listAudit(h.redis, h.prefix)).entries;

describe('configuration versions', () => {
  it('an admin pushes, diffs and rolls back; the board follows; each change is audited with its author', async () => {
    const admin = await h.token('root', 'admin');
    const first = await h.call({ method: 'POST', url: '/api/config', token: admin, payload: { yaml: CONFIG_YAML, note: 'first' } });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ version: 1, numbers: 2 });
    const second = await h.call({
      method: 'POST',
      url: '/api/config',
      token: admin,
      payload: { yaml: CONFIG_YAML.replace('Hotline', 'Help desk') },
    });
    expect(second.json().version).toBe(2);
    const board = (await h.call({ method: 'GET', url: '/api/numbers', token: admin })).json();
    expect(board.configVersion).toBe(2);
    expect(board.numbers[0].name).toBe('Help desk');

    const versions = (await h.call({ method: 'GET', url: '/api/config/versions', token: admin })).json();
    expect(versions.map((v: { version: number; author: string; door: string }) => [v.version, v.author, v.door])).toEqual([
      [2, 'root', 'api'],
      [1, 'root', 'api'],
    ]);
    const one = (await h.call({ method: 'GET', url: '/api/config/versions/1', token: admin })).json();
    expect(one.yaml).toBe(CONFIG_YAML);
    expect(one.note).toBe('first');
    const diff = (await h.call({ method: 'GET', url: '/api/config/diff?from=1&to=2', token: admin })).json();
    expect(diff.diff).toContain('-    name: Hotline');
    expect(diff.diff).toContain('+    name: Help desk');

    const rolled = await h.call({ method: 'POST', url: '/api/config/rollback', token: admin, payload: { version: 1 } });
    expect(rolled.json()).toEqual({ version: 3, numbers: 2 });
    expect((await h.call({ method: 'GET', url: '/api/numbers', token: admin })).json().numbers[0].name).toBe('Hotline');
    expect((await auditNow()).map((e) => [e.action, e.actor, e.door])).toEqual([
      ['config.rollback', 'root', 'api'],
      ['config.push', 'root', 'api'],
      ['config.push', 'root', 'api'],
    ]);
  });

  it('keeps as many versions as CONFIG_VERSIONS_KEEP says, for pushes and rollbacks alike', async () => {
    const kept2 = await startHarness(h.server, CONFIG_YAML, { versionsKeep: 2 });
    try {
      const admin = await kept2.token('root', 'admin');
      const push = (name: string) =>
        kept2.call({ method: 'POST', url: '/api/config', token: admin, payload: { yaml: CONFIG_YAML.replace('Hotline', name) } });
      for (const name of ['One', 'Two', 'Three']) expect((await push(name)).statusCode).toBe(200);
      const kept = async () => (await listVersions(kept2.redis, kept2.prefix)).map((v) => v.version);
      expect(await kept()).toEqual([3, 2]);
      const rolled = await kept2.call({ method: 'POST', url: '/api/config/rollback', token: admin, payload: { version: 2 } });
      expect(rolled.json()).toEqual({ version: 4, numbers: 2 });
      expect(await kept()).toEqual([4, 3]);
    } finally {
      await kept2.close();
    }
  });

  it('refuses an invalid YAML text with every problem (400) and pushes nothing', async () => {
    const admin = await h.token('root', 'admin');
    const res = await h.call({
      method: 'POST',
      url: '/api/config',
      token: admin,
      payload: { yaml: 'numbers:\n  - did: "12"\n    hourz: x\n' },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('AH_ERR_CONSOLE_BAD_REQUEST');
    expect(body.error).toMatch(/^push: the configuration is refused \(\d+ problems?\), nothing changed$/);
    expect(body.problems.join('\n')).toMatch(/console\.yaml:3:5: .*hourz/);
    expect(await listVersions(h.redis, h.prefix)).toEqual([]);
    expect(await auditNow()).toEqual([]);
  });

  it('refuses versions that are not kept (404), bad parameters (400), and anyone but an admin (403)', async () => {
    const admin = await h.token('root', 'admin');
    const op = await h.token('olga', 'operator');
    expect((await h.call({ method: 'GET', url: '/api/config/versions/7', token: admin })).statusCode).toBe(404);
    const diff = await h.call({ method: 'GET', url: '/api/config/diff?from=1&to=2', token: admin });
    expect(diff.statusCode).toBe(404);
    expect(diff.json().error).toContain('configuration version 1 is not kept');
    expect((await h.call({ method: 'GET', url: '/api/config/diff?from=x&to=2', token: admin })).statusCode).toBe(400);
    expect((await h.call({ method: 'POST', url: '/api/config/rollback', token: admin, payload: { version: 4 } })).statusCode).toBe(404);
    expect((await h.call({ method: 'POST', url: '/api/config/rollback', token: admin, payload: { version: 0 } })).statusCode).toBe(400);
    expect((await h.call({ method: 'GET', url: '/api/config/versions', token: op })).statusCode).toBe(403);
    expect((await h.call({ method: 'POST', url: '/api/config', token: op, payload: { yaml: CONFIG_YAML } })).statusCode).toBe(403);
    expect(await listVersions(h.redis, h.prefix)).toEqual([]);
  });
});

describe('audit list', () => {
  it('filters by actor, target, action kind and door; refuses a bad filter (400)', async () => {
    const alice = await h.token('alice', 'operator');
    const bob = await h.token('bob', 'operator');
    const put = (token: string, state: string) =>
      h.call({ method: 'PUT', url: `/api/numbers/${encodeURIComponent(OPEN_DID)}/override`, token, payload: { state } });
    await put(alice, 'closed');
    await put(bob, 'open');
    await h.call({ method: 'DELETE', url: `/api/numbers/${encodeURIComponent(OPEN_DID)}/override`, token: alice });
    const get = async (q: string) => (await h.call({ method: 'GET', url: `/api/audit${q}`, token: bob })).json();
    expect((await get('')).entries.map((e: { actor: string; action: string }) => `${e.actor} ${e.action}`)).toEqual([
      'alice override.clear',
      'bob override.set',
      'alice override.set',
    ]);
    expect((await get('?actor=alice')).entries).toHaveLength(2);
    expect((await get('?action=override.set')).entries).toHaveLength(2);
    expect((await get(`?target=${encodeURIComponent(OPEN_DID)}&door=api&limit=1`)).entries).toHaveLength(1);
    expect((await get('?limit=1')).next).toEqual(expect.any(String));
    const bad = await h.call({ method: 'GET', url: '/api/audit?limit=0', token: bob });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBe('querystring/limit must be >= 1');
    expect((await h.call({ method: 'GET', url: '/api/audit?door=fax', token: bob })).statusCode).toBe(400);
    expect((await h.call({ method: 'GET', url: '/api/audit' })).statusCode).toBe(401);
  });
});

describe('recent calls and CRM delivery', () => {
  it('lists the newest events first; counts pending and dead letters; an admin retries a dead letter (audited)', async () => {
    const keys = streamKeys(h.prefix);
    const stream = new EventStream(h.redis, keys);
    const a = makeEvent({ caller: '+48600000001' });
    const b = makeEvent({ caller: '+48600000002' });
    await stream.append(a);
    await stream.append(b);
    const viewer = await h.token('vera', 'viewer');
    const admin = await h.token('root', 'admin');
    const calls = (await h.call({ method: 'GET', url: '/api/calls?limit=10', token: viewer })).json();
    expect(calls.map((c: { id: string }) => c.id)).toEqual([b.id, a.id]);
    expect((await h.call({ method: 'GET', url: '/api/calls?limit=1', token: viewer })).json()).toHaveLength(1);
    expect((await h.call({ method: 'GET', url: '/api/calls?limit=5000', token: viewer })).statusCode).toBe(400);

    await h.redis.xgroup('CREATE', keys.stream, keys.group, '0', 'MKSTREAM');
    const read = (await h.redis.xreadgroup('GROUP', keys.group, 'w1', 'COUNT', 1, 'STREAMS', keys.stream, '>')) as [
      string,
      [string, string[]][],
    ][];
    const [entryId, fields] = read[0]![1][0]!;
    const deadId = await moveToDead(h.redis, keys, {
      sourceId: entryId,
      eventId: a.id,
      event: fields[3] as string,
      error: 'portal said no',
      deliveries: 5,
      failedAt: new Date(),
    });
    const crm = (await h.call({ method: 'GET', url: '/api/crm', token: viewer })).json();
    expect(crm).toEqual(expect.objectContaining({ events: 2, done: 0, pending: 0, waiting: 1 }));
    expect(crm.deadLetters).toEqual([expect.objectContaining({ deadId, eventId: a.id, error: 'portal said no', deliveries: 5 })]);

    expect((await h.call({ method: 'POST', url: `/api/crm/dead/${deadId}/retry`, token: viewer })).statusCode).toBe(403);
    expect((await h.call({ method: 'POST', url: '/api/crm/dead/9-9/retry', token: admin })).statusCode).toBe(404);
    const retried = await h.call({ method: 'POST', url: `/api/crm/dead/${a.id}/retry`, token: admin });
    expect(retried.statusCode).toBe(200);
    expect((await h.call({ method: 'GET', url: '/api/crm', token: viewer })).json()).toEqual(
      expect.objectContaining({ events: 3, deadLetters: [] }),
    );
    expect((await auditNow())[0]).toEqual(expect.objectContaining({ action: 'deadletter.retry', actor: 'root', target: a.id }));
  });
});

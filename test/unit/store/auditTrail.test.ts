import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { loadConfigText } from '../../../src/config/load';
import { appendAudit, auditKey, listAudit, AUDIT_RETENTION_MS, type AuditWho } from '../../../src/store/auditLog';
import { rollbackConfig } from '../../../src/store/configRollback';
import { pushConfig, readConfig } from '../../../src/store/configStore';
import { diffStoredVersions, getVersion, listVersions, ConfigVersionMissingError } from '../../../src/store/configVersions';
import { clearOverride, getOverride, getOverrides, listOverrides, overrideKeys, setOverride } from '../../../src/store/overrideStore';
import { startRedisServer, type RedisServer } from '../../support/redisServer';

// The audit trail, several overrides per number and the configuration versions, against a real
// redis-server: every change leaves its entry in the same step, a refused one leaves nothing.

let server: RedisServer;
let redis: Redis;
let n = 0;
let prefix: string;
beforeAll(async () => {
  server = await startRedisServer();
  redis = server.client();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  prefix = `audit-${process.pid}-${++n}:`;
});

const alice: AuditWho = { actor: 'alice', door: 'cli', from: 'ops-laptop' };
const DID = '+48221234567';
const HOUR = 3_600_000;

describe('audit trail', () => {
  it('lists newest first, filters by actor, action (or its kind), target, door and time, and pages', async () => {
    await appendAudit(redis, prefix, { ...alice, action: 'token.create', target: 'bob', after: { role: 'viewer' } });
    await appendAudit(redis, prefix, { actor: 'bob', door: 'api', from: '192.0.2.7', action: 'override.set', target: DID, note: 'flood' });
    await appendAudit(redis, prefix, { ...alice, action: 'override.clear', target: DID, before: [{ state: 'closed' }], after: [] });
    const all = await listAudit(redis, prefix);
    expect(all.entries.map((e) => e.action)).toEqual(['override.clear', 'override.set', 'token.create']);
    expect(all.entries[2]).toMatchObject({ actor: 'alice', door: 'cli', from: 'ops-laptop', target: 'bob', after: { role: 'viewer' } });
    expect(all.entries[0]!.before).toEqual([{ state: 'closed' }]);
    expect(Date.parse(all.entries[0]!.at)).toBeGreaterThan(Date.now() - 60_000);
    expect((await listAudit(redis, prefix, { actor: 'alice' })).entries).toHaveLength(2);
    expect((await listAudit(redis, prefix, { action: 'override.' })).entries.map((e) => e.action)).toEqual([
      'override.clear',
      'override.set',
    ]);
    expect((await listAudit(redis, prefix, { target: DID, door: 'api' })).entries.map((e) => e.note)).toEqual(['flood']);
    expect((await listAudit(redis, prefix, { until: Date.now() - 3_600_000 })).entries).toEqual([]);
    const page1 = await listAudit(redis, prefix, { limit: 2 });
    expect(page1.entries).toHaveLength(2);
    const page2 = await listAudit(redis, prefix, { limit: 2, before: page1.next! });
    expect(page2.entries.map((e) => e.action)).toEqual(['token.create']);
  });

  it('refuses a bad entry or filter with the reason, writing nothing', async () => {
    await expect(appendAudit(redis, prefix, { ...alice, door: 'fax' as never, action: 'config.push', target: 'config' })).rejects.toThrow(
      /door must be one of cli, api, page, phone/,
    );
    await expect(appendAudit(redis, prefix, { ...alice, actor: '', action: 'config.push', target: 'config' })).rejects.toThrow(/author/);
    await expect(appendAudit(redis, prefix, { ...alice, action: 'config.push', target: 'config', note: 'x'.repeat(501) })).rejects.toThrow(
      /note must be at most 500/,
    );
    expect(await redis.exists(auditKey(prefix))).toBe(0);
    await expect(listAudit(redis, prefix, { limit: 0 })).rejects.toThrow(/limit must be a whole number from 1 to 1000/);
    await expect(listAudit(redis, prefix, { before: 'yesterday' })).rejects.toThrow(/before must be an entry id/);
  });

  it('drops entries older than the retention at the next append', async () => {
    const old = Date.now() - AUDIT_RETENTION_MS - 86_400_000;
    await redis.xadd(auditKey(prefix), `${old}-0`, 'actor', 'eve', 'door', 'cli', 'from', 'x', 'action', 'config.push', 'target', 'config');
    await redis.xadd(
      auditKey(prefix),
      `${old + 2 * 86_400_000}-0`,
      'actor',
      'kept',
      'door',
      'cli',
      'from',
      'x',
      'action',
      'config.push',
      'target',
      'config',
    );
    await appendAudit(redis, prefix, { ...alice, action: 'config.push', target: 'config' });
    expect((await listAudit(redis, prefix)).entries.map((e) => e.actor)).toEqual(['alice', 'kept']);
  });
});

describe('overrides: several per number, each change audited with it', () => {
  it('a scheduled closure beside the current override; list, get, clear one by id', async () => {
    const now = Date.now();
    const current = await setOverride(redis, prefix, { did: DID, state: 'open', setAt: now }, alice);
    const meeting = await setOverride(
      redis,
      prefix,
      { did: DID, state: 'closed', from: now + 2 * HOUR, until: now + 3 * HOUR, note: 'staff meeting', setAt: now + 1 },
      alice,
    );
    expect(current.by).toBe('alice');
    expect((await getOverrides(redis, prefix, DID, now)).map((o) => o.id)).toEqual([current.id, meeting.id]);
    expect((await getOverride(redis, prefix, DID, now))?.id).toBe(current.id);
    expect((await getOverride(redis, prefix, DID, now + 2.5 * HOUR))?.id).toBe(meeting.id);
    expect(await listOverrides(redis, prefix, now)).toHaveLength(2);
    const entries = (await listAudit(redis, prefix, { target: DID })).entries;
    expect(entries[0]).toMatchObject({ action: 'override.set', note: 'staff meeting', actor: 'alice' });
    expect((entries[0]!.after as unknown[]).length).toBe(2);
    expect((entries[0]!.before as unknown[]).length).toBe(1);

    const removed = await clearOverride(
      redis,
      prefix,
      DID,
      { actor: 'extension 201', door: 'phone', from: 'extension 201' },
      { ids: [meeting.id] },
    );
    expect(removed.map((o) => o.id)).toEqual([meeting.id]);
    expect((await getOverrides(redis, prefix, DID, now)).map((o) => o.id)).toEqual([current.id]);
    expect((await listAudit(redis, prefix, { limit: 1 })).entries[0]).toMatchObject({ action: 'override.clear', door: 'phone' });
    // Nothing to remove: nothing changes, no entry.
    expect(await clearOverride(redis, prefix, DID, alice, { ids: ['nosuch'] })).toEqual([]);
    expect((await listAudit(redis, prefix)).entries).toHaveLength(3);
    expect(await clearOverride(redis, prefix, DID, alice)).toHaveLength(1);
    expect(await redis.hexists(overrideKeys(prefix).hash, DID)).toBe(0);
  });

  it('a newer override that covers an older one replaces it', async () => {
    const now = Date.now();
    await setOverride(redis, prefix, { did: DID, state: 'closed', setAt: now }, alice);
    await setOverride(redis, prefix, { did: DID, state: 'open', setAt: now + 1 }, alice);
    expect((await getOverrides(redis, prefix, DID, now + 1)).map((o) => o.state)).toEqual(['open']);
  });

  it('reads what a version before 0.2 stored (one object per number) as the override "legacy"', async () => {
    const now = Date.now();
    await redis.hset(
      overrideKeys(prefix).hash,
      DID,
      JSON.stringify({ did: DID, state: 'closed', until: now + HOUR, note: 'old', setAt: now - 1000 }),
    );
    expect(await getOverride(redis, prefix, DID, now)).toEqual({
      did: DID,
      id: 'legacy',
      state: 'closed',
      until: now + HOUR,
      note: 'old',
      setAt: now - 1000,
    });
    const added = await setOverride(
      redis,
      prefix,
      { did: DID, state: 'open', from: now + 2 * HOUR, until: now + 3 * HOUR, setAt: now },
      alice,
    );
    expect((await getOverrides(redis, prefix, DID, now)).map((o) => o.id)).toEqual(['legacy', added.id]);
  });

  it('concurrent sets on one number all land (compare-and-set, not last write wins)', async () => {
    const now = Date.now();
    const clients = [server.client(), server.client(), server.client()];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        setOverride(
          clients[i % 3]!,
          prefix,
          { did: DID, state: 'closed', from: now + (i + 1) * HOUR, until: now + (i + 1) * HOUR + 60_000, setAt: now },
          alice,
        ),
      ),
    );
    expect(await getOverrides(redis, prefix, DID, now)).toHaveLength(12);
    expect((await listAudit(redis, prefix)).entries).toHaveLength(12);
  });

  it('refuses a bad override with the reason, storing nothing and auditing nothing', async () => {
    const now = Date.now();
    await expect(
      setOverride(redis, prefix, { did: DID, state: 'closed', from: now + 2 * HOUR, until: now + HOUR, setAt: now }, alice),
    ).rejects.toThrow(/the start is not before the expiry/);
    await expect(setOverride(redis, prefix, { did: DID, state: 'closed', setAt: now }, { ...alice, actor: ' ' })).rejects.toThrow(/author/);
    expect(await redis.exists(overrideKeys(prefix).hash)).toBe(0);
    expect(await redis.exists(auditKey(prefix))).toBe(0);
  });
});

describe('configuration versions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ah-versions-'));
  const file = join(dir, 'after-hours.yaml');
  beforeEach(() => writeFileSync(join(dir, 'holidays.ics'), 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nEND:VCALENDAR\r\n'));
  const yaml = (hours: string) =>
    `numbers:\n  - did: "+48 22 123 45 67"\n    name: Office\n    timezone: Europe/Warsaw\n    hours: { mon-fri: "${hours}" }\n    holidays: [{ ics: holidays.ics }]\n`;
  const push = async (text: string, who: AuditWho, note?: string, keep?: number) => {
    const loaded = loadConfigText(file, text);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    return pushConfig(redis, prefix, loaded.config, new Date(), {
      file,
      yaml: text,
      who,
      ...(note ? { note } : {}),
      ...(keep ? { keep } : {}),
    });
  };

  it('every push keeps its version: list, get, diff; rollback re-pushes an older text as a new version', async () => {
    expect(await push(yaml('09:00-17:00'), alice, 'first')).toBe(1);
    expect(await push(yaml('08:00-16:00'), { actor: 'bob', door: 'api', from: '192.0.2.7' })).toBe(2);
    const list = await listVersions(redis, prefix);
    expect(list.map((v) => [v.version, v.author, v.door, v.note, v.numbers])).toEqual([
      [2, 'bob', 'api', undefined, 1],
      [1, 'alice', 'cli', 'first', 1],
    ]);
    const v1 = await getVersion(redis, prefix, 1);
    expect(v1).toMatchObject({ yaml: yaml('09:00-17:00'), file, ics: [{ path: join(dir, 'holidays.ics') }] });
    expect(v1!.sha256).toMatch(/^[0-9a-f]{64}$/);
    const diff = await diffStoredVersions(redis, prefix, 1, 2);
    expect(diff).toContain('-    hours: { mon-fri: "09:00-17:00" }');
    expect(diff).toContain('+    hours: { mon-fri: "08:00-16:00" }');
    expect(await diffStoredVersions(redis, prefix, 2, 2)).toBe('');
    await expect(diffStoredVersions(redis, prefix, 1, 9)).rejects.toBeInstanceOf(ConfigVersionMissingError);

    // The ICS file changes on disk afterwards: the rollback uses the text version 1 was pushed with.
    writeFileSync(join(dir, 'holidays.ics'), 'not a calendar');
    const back = await rollbackConfig(redis, prefix, 1, alice, { note: 'the new hours were wrong' });
    expect(back).toEqual({ ok: true, version: 3, numbers: 1 });
    expect((await readConfig(redis, prefix))?.version).toBe(3);
    expect(await getVersion(redis, prefix, 3)).toMatchObject({
      rollbackOf: 1,
      yaml: yaml('09:00-17:00'),
      note: 'the new hours were wrong',
    });
    const audit = (await listAudit(redis, prefix, { action: 'config.' })).entries;
    expect(audit.map((e) => [e.action, e.actor, e.after])).toEqual([
      ['config.rollback', 'alice', { version: 3, sha256: v1!.sha256, rollbackOf: 1 }],
      ['config.push', 'bob', { version: 2, sha256: expect.any(String) }],
      ['config.push', 'alice', { version: 1, sha256: v1!.sha256 }],
    ]);
    expect(audit[0]!.before).toEqual({ version: 2, sha256: expect.any(String) });
  });

  it('keeps the last N versions', async () => {
    for (const h of ['07:00-15:00', '08:00-16:00', '09:00-17:00', '10:00-18:00']) await push(yaml(h), alice, undefined, 2);
    expect((await listVersions(redis, prefix)).map((v) => v.version)).toEqual([4, 3]);
    expect(await getVersion(redis, prefix, 2)).toBeUndefined();
    await expect(rollbackConfig(redis, prefix, 1, alice)).rejects.toThrow(/version 1 is not kept/);
  });

  it("a rollback today's validation refuses changes nothing", async () => {
    await push(yaml('09:00-17:00'), alice);
    // A version stored by hand with a text that no longer validates.
    await redis.hset(`${prefix}config:versions:text`, '1', JSON.stringify({ yaml: 'numbers: []\nbogus: 1\n', ics: [] }));
    const r = await rollbackConfig(redis, prefix, 1, alice);
    expect(r.ok).toBe(false);
    expect((await readConfig(redis, prefix))?.version).toBe(1);
    expect((await listAudit(redis, prefix)).entries).toHaveLength(1);
  });

  it('refuses a push with a bad author before writing anything', async () => {
    await expect(push(yaml('09:00-17:00'), { ...alice, actor: '' })).rejects.toThrow(/configuration not pushed: the author/);
    expect(await readConfig(redis, prefix)).toBeUndefined();
  });
});

// The console's API against a real Redis: every endpoint, each role, and each refusal (401,
// 403, 400, 404) with a clear error and nothing changed.
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import pino from 'pino';
import { consoleAudit } from '../../../src/console/audit';
import { NumbersView } from '../../../src/console/numbersView';
import { buildConsole } from '../../../src/console/server';
import { listAudit } from '../../../src/store/auditLog';
import { freeTcpPort } from '../../support/daemon';
import { listOverrides } from '../../../src/store/overrideStore';
import { startRedisServer } from '../../support/redisServer';
import { consoleSettings } from '../../../src/settings/processes';
import { CLOSED_DID, OPEN_DID, startHarness, useConsoleHarness, type Harness } from './harness';

jest.setTimeout(30_000);

const harness = useConsoleHarness(startRedisServer);
let h: Harness;
beforeEach(() => {
  h = harness();
});

const overridesNow = () => listOverrides(h.redis, h.prefix, h.clock.now);
const auditNow = async () => (await listAudit(h.redis, h.prefix)).entries;
const enc = encodeURIComponent;

describe('authentication and roles', () => {
  it('refuses a request without a token, with an unknown token, with an expired one (401)', async () => {
    const none = await h.call({ method: 'GET', url: '/api/numbers' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ code: 'AH_ERR_CONSOLE_UNAUTHENTICATED', error: expect.stringContaining('log in first') });
    const unknown = await h.call({ method: 'GET', url: '/api/numbers', token: 'aht_nonsense' });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().error).toBe('the token is unknown or revoked');
    const soon = await h.token('temp', 'viewer', new Date(h.clock.now + 60_000).toISOString());
    expect((await h.call({ method: 'GET', url: '/api/numbers', token: soon })).statusCode).toBe(200);
    h.clock.now += 61_000;
    const expired = await h.call({ method: 'GET', url: '/api/numbers', token: soon });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error).toBe('the token has expired');
    const malformed = await h.call({ method: 'GET', url: '/api/numbers', headers: { authorization: 'Basic abc' } });
    expect(malformed.statusCode).toBe(401);
  });

  it('a viewer reads but may not set overrides or manage tokens (403), and nothing changes', async () => {
    const viewer = await h.token('vera', 'viewer');
    expect((await h.call({ method: 'GET', url: '/api/numbers', token: viewer })).statusCode).toBe(200);
    const put = await h.call({ method: 'PUT', url: `/api/numbers/${enc(OPEN_DID)}/override`, token: viewer, payload: { state: 'closed' } });
    expect(put.statusCode).toBe(403);
    expect(put.json()).toEqual({ code: 'AH_ERR_CONSOLE_FORBIDDEN', error: 'this needs the operator role; vera is viewer' });
    expect((await h.call({ method: 'DELETE', url: `/api/numbers/${enc(OPEN_DID)}/override`, token: viewer })).statusCode).toBe(403);
    expect((await h.call({ method: 'GET', url: '/api/tokens', token: viewer })).statusCode).toBe(403);
    expect((await h.call({ method: 'POST', url: '/api/tokens', token: viewer, payload: { name: 'x', role: 'admin' } })).statusCode).toBe(
      403,
    );
    expect(await overridesNow()).toEqual([]);
    expect(await auditNow()).toEqual([]);
  });

  it('an operator may not manage tokens (403)', async () => {
    const op = await h.token('olga', 'operator');
    const res = await h.call({ method: 'POST', url: '/api/tokens', token: op, payload: { name: 'mallory', role: 'admin' } });
    expect(res.statusCode).toBe(403);
    expect((await h.call({ method: 'DELETE', url: '/api/tokens/olga', token: op })).statusCode).toBe(403);
  });
});

describe('numbers', () => {
  it('lists every number with its state, reason, action, next change and override', async () => {
    const viewer = await h.token('vera', 'viewer');
    const res = await h.call({ method: 'GET', url: '/api/numbers', token: viewer });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.configVersion).toBe('file');
    expect(body.numbers).toEqual([
      expect.objectContaining({
        did: OPEN_DID,
        name: 'Hotline',
        open: true,
        reason: 'working-hours',
        action: 'continue',
        override: null,
        overrides: [],
      }),
      expect.objectContaining({ did: CLOSED_DID, open: false, reason: 'day-off', action: 'voicemail', nextChange: null, override: null }),
    ]);
    const one = await h.call({ method: 'GET', url: `/api/numbers/${enc('+48 22 123 45 68')}`, token: viewer });
    expect(one.json()).toEqual(expect.objectContaining({ did: CLOSED_DID, open: false }));
  });

  it('refuses a malformed number (400) and an unknown one (404)', async () => {
    const viewer = await h.token('vera', 'viewer');
    const bad = await h.call({ method: 'GET', url: '/api/numbers/abc', token: viewer });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/^"abc" is not a phone number/);
    const unknown = await h.call({ method: 'GET', url: `/api/numbers/${enc('+48 22 999 99 99')}`, token: viewer });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ code: 'AH_ERR_CONSOLE_NOT_FOUND', error: '+48229999999 is not a configured number' });
  });
});

describe('overrides', () => {
  it('an operator closes an open number; the board shows it and the audit trail has who, door and address', async () => {
    const op = await h.token('olga', 'operator');
    const until = new Date(h.clock.now + 3600_000).toISOString();
    const res = await h.call({
      method: 'PUT',
      url: `/api/numbers/${enc(OPEN_DID)}/override`,
      token: op,
      payload: { state: 'closed', until, note: 'flood' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(
      expect.objectContaining({
        did: OPEN_DID,
        open: false,
        reason: 'override',
        override: expect.objectContaining({ state: 'closed', note: 'flood', by: 'olga' }),
      }),
    );
    expect(await overridesNow()).toEqual([expect.objectContaining({ did: OPEN_DID, state: 'closed', until: Date.parse(until) })]);
    const [entry] = await auditNow();
    expect(entry).toEqual(
      expect.objectContaining({ actor: 'olga', door: 'api', from: '127.0.0.1', action: 'override.set', target: OPEN_DID }),
    );
    const list = await h.call({ method: 'GET', url: '/api/overrides', token: op });
    expect(list.json()).toEqual([expect.objectContaining({ did: OPEN_DID, state: 'closed' })]);

    const cleared = await h.call({ method: 'DELETE', url: `/api/numbers/${enc(OPEN_DID)}/override`, token: op });
    expect(cleared.json()).toEqual(expect.objectContaining({ open: true, override: null, overrides: [] }));
    expect((await auditNow())[0]).toEqual(expect.objectContaining({ actor: 'olga', action: 'override.clear', target: OPEN_DID }));
  });

  it('schedules an override with a start and an end; it is listed but the number stays open until then; one is cleared by id', async () => {
    const op = await h.token('olga', 'operator');
    const from = new Date(h.clock.now + 2 * 3600_000).toISOString();
    const until = new Date(h.clock.now + 4 * 3600_000).toISOString();
    const res = await h.call({
      method: 'POST',
      url: `/api/numbers/${enc(OPEN_DID)}/overrides`,
      token: op,
      payload: { state: 'closed', from, until, note: 'staff meeting' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual(expect.objectContaining({ open: true, reason: 'working-hours', override: null }));
    expect(body.overrides).toEqual([
      expect.objectContaining({ state: 'closed', from: Date.parse(from), until: Date.parse(until), note: 'staff meeting' }),
    ]);
    expect(Date.parse(body.nextChange)).toBe(Date.parse(from));
    const id = body.overrides[0].id as string;
    expect((await h.call({ method: 'DELETE', url: `/api/numbers/${enc(OPEN_DID)}/overrides/nope`, token: op })).statusCode).toBe(404);
    const gone = await h.call({ method: 'DELETE', url: `/api/numbers/${enc(OPEN_DID)}/overrides/${id}`, token: op });
    expect(gone.json().overrides).toEqual([]);
  });

  it.each([
    ['a state that is neither open nor closed', { state: 'shut' }, 'body/state must be equal to one of the allowed values (open, closed)'],
    ['an unknown field', { state: 'closed', colour: 'red' }, 'body must NOT have additional properties'],
    ['an expiry that is not a date-time', { state: 'closed', until: 'tomorrow' }, 'body/until must match format "date-time"'],
    ['an expiry in the past', { state: 'closed', until: '2001-01-01T00:00:00Z' }, 'is not in the future'],
    ['a note over 500 characters', { state: 'closed', note: 'x'.repeat(501) }, 'body/note must NOT have more than 500 characters'],
  ])('refuses %s (400) and stores nothing', async (_what, payload, message) => {
    const op = await h.token('olga', 'operator');
    const res = await h.call({ method: 'PUT', url: `/api/numbers/${enc(OPEN_DID)}/override`, token: op, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('AH_ERR_CONSOLE_BAD_REQUEST');
    expect(res.json().error).toContain(message);
    expect(await overridesNow()).toEqual([]);
    expect(await auditNow()).toEqual([]);
  });

  it('refuses a scheduled override whose start is not before its end (400)', async () => {
    const op = await h.token('olga', 'operator');
    const t = new Date(h.clock.now + 3600_000).toISOString();
    const res = await h.call({
      method: 'POST',
      url: `/api/numbers/${enc(OPEN_DID)}/overrides`,
      token: op,
      payload: { state: 'closed', from: t, until: t },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toContain('the start is not before the expiry');
    const missing = await h.call({
      method: 'POST',
      url: `/api/numbers/${enc(OPEN_DID)}/overrides`,
      token: op,
      payload: { state: 'closed', until: t },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toBe("body must have required property 'from'");
    expect(await overridesNow()).toEqual([]);
  });

  it('refuses an override on an unknown number (404), storing nothing', async () => {
    const op = await h.token('olga', 'operator');
    const res = await h.call({
      method: 'PUT',
      url: `/api/numbers/${enc('+48 22 999 99 99')}/override`,
      token: op,
      payload: { state: 'closed' },
    });
    expect(res.statusCode).toBe(404);
    expect(await overridesNow()).toEqual([]);
  });
});

describe('browser sessions', () => {
  const cookieOf = (res: { headers: Record<string, unknown> }) => String(res.headers['set-cookie']).split(';')[0] as string;

  it('logs in with a token: an HttpOnly SameSite=Strict cookie, changes need the CSRF header, door page', async () => {
    const op = await h.token('olga', 'operator');
    const login = await h.call({ method: 'POST', url: '/api/session', payload: { token: op } });
    expect(login.statusCode).toBe(200);
    expect(String(login.headers['set-cookie'])).toMatch(/^ah_session=[\w-]{40,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
    const { csrf, name, role } = login.json();
    expect({ name, role }).toEqual({ name: 'olga', role: 'operator' });
    const cookie = cookieOf(login);
    expect((await h.call({ method: 'GET', url: '/api/numbers', headers: { cookie } })).statusCode).toBe(200);
    expect((await h.call({ method: 'GET', url: '/api/session', headers: { cookie } })).json()).toEqual(
      expect.objectContaining({ name: 'olga', csrf }),
    );

    const noCsrf = await h.call({
      method: 'PUT',
      url: `/api/numbers/${enc(OPEN_DID)}/override`,
      headers: { cookie },
      payload: { state: 'closed' },
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error).toBe("a change from the page needs the session's x-csrf-token header");
    // Another first character (a token that starts with "x" once made "x" + the rest the right one).
    const wrongToken = (csrf.startsWith('x') ? 'y' : 'x') + csrf.slice(1);
    const wrong = await h.call({
      method: 'PUT',
      url: `/api/numbers/${enc(OPEN_DID)}/override`,
      headers: { cookie, 'x-csrf-token': wrongToken },
      payload: { state: 'closed' },
    });
    expect(wrong.statusCode).toBe(403);
    expect(await overridesNow()).toEqual([]);

    const ok = await h.call({
      method: 'PUT',
      url: `/api/numbers/${enc(OPEN_DID)}/override`,
      headers: { cookie, 'x-csrf-token': csrf },
      payload: { state: 'closed' },
    });
    expect(ok.statusCode).toBe(200);
    expect((await auditNow())[0]).toEqual(expect.objectContaining({ actor: 'olga', door: 'page', action: 'override.set' }));

    const logout = await h.call({ method: 'DELETE', url: '/api/session', headers: { cookie, 'x-csrf-token': csrf } });
    expect(logout.statusCode).toBe(204);
    expect((await h.call({ method: 'GET', url: '/api/numbers', headers: { cookie } })).statusCode).toBe(401);
  });

  it("a session ends with its token's expiry: the cookie lasts no longer, and the session is refused after it", async () => {
    const soon = await h.token('temp', 'operator', new Date(h.clock.now + 60_000).toISOString());
    const login = await h.call({ method: 'POST', url: '/api/session', payload: { token: soon } });
    expect(String(login.headers['set-cookie'])).toMatch(/; Max-Age=60$/);
    const cookie = cookieOf(login);
    expect((await h.call({ method: 'GET', url: '/api/numbers', headers: { cookie } })).statusCode).toBe(200);
    h.clock.now += 61_000;
    const after = await h.call({ method: 'GET', url: '/api/numbers', headers: { cookie } });
    expect(after.statusCode).toBe(401);
    expect(after.json().error).toBe("the session's token has expired; log in again");
    const again = await h.call({ method: 'POST', url: '/api/session', payload: { token: soon } });
    expect(again.statusCode).toBe(401);
    expect(again.json().error).toBe('the token has expired');
  });

  it('a revoked token ends its sessions at once', async () => {
    const admin = await h.token('root', 'admin');
    const op = await h.token('olga', 'operator');
    const cookie = cookieOf(await h.call({ method: 'POST', url: '/api/session', payload: { token: op } }));
    expect((await h.call({ method: 'DELETE', url: '/api/tokens/olga', token: admin })).statusCode).toBe(204);
    const res = await h.call({ method: 'GET', url: '/api/numbers', headers: { cookie } });
    expect(res.statusCode).toBe(401);
  });

  it('rate-limits failed logins per address: the 6th try is refused (429) even with a good token', async () => {
    const op = await h.token('olga', 'operator');
    for (let i = 0; i < 5; i++) {
      const res = await h.call({ method: 'POST', url: '/api/session', payload: { token: `aht_guess${i}` } });
      expect(res.statusCode).toBe(401);
    }
    const blocked = await h.call({ method: 'POST', url: '/api/session', payload: { token: op } });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().code).toBe('AH_ERR_CONSOLE_RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(800);
    expect(blocked.headers['set-cookie']).toBeUndefined();
    const other = await h.call({ method: 'POST', url: '/api/session', payload: { token: op }, remoteAddress: '127.0.0.2' });
    expect(other.statusCode).toBe(200);
  });
});

describe('behind a reverse proxy', () => {
  it('believes X-Forwarded-For only from a trusted proxy: the audit and the login limit use the client address', async () => {
    const proxied = await startHarness(h.server, undefined, { trustedProxies: ['127.0.0.1'] });
    try {
      const op = await proxied.token('olga', 'operator');
      await proxied.call({
        method: 'PUT',
        url: `/api/numbers/${enc(OPEN_DID)}/override`,
        token: op,
        headers: { 'x-forwarded-for': '198.51.100.7' },
        payload: { state: 'closed' },
      });
      expect((await listAudit(proxied.redis, proxied.prefix)).entries[0]?.from).toBe('198.51.100.7');
    } finally {
      await proxied.close();
    }
    const op = await h.token('olga', 'operator');
    await h.call({
      method: 'PUT',
      url: `/api/numbers/${enc(OPEN_DID)}/override`,
      token: op,
      headers: { 'x-forwarded-for': '198.51.100.7' },
      payload: { state: 'closed' },
    });
    expect((await auditNow())[0]?.from).toBe('127.0.0.1');
  });

  it.each([
    ['10.0.0.0/8,::1', ['10.0.0.0/8', '::1']],
    [undefined, []],
  ])('CONSOLE_TRUST_PROXY %s', (raw, list) => {
    expect(consoleSettings({ CONSOLE_TRUST_PROXY: raw }).CONSOLE_TRUST_PROXY).toEqual(list);
  });

  it.each(['proxy.example', '10.0.0.0/33', '1.2.3.4/8/1', ''])('refuses CONSOLE_TRUST_PROXY entry %j', (raw) => {
    expect(() => consoleSettings({ CONSOLE_TRUST_PROXY: `127.0.0.1,${raw}` })).toThrow(
      /CONSOLE_TRUST_PROXY ".*" is not an IP address or CIDR range/,
    );
  });

  it('CONSOLE_SOUND_UPLOAD_BYTES: unset keeps the default; a size up to the decoder bound is taken; anything else is refused', () => {
    expect(consoleSettings({}).CONSOLE_SOUND_UPLOAD_BYTES).toBe(256 * 1024 * 1024);
    expect(consoleSettings({ CONSOLE_SOUND_UPLOAD_BYTES: '10485760' }).CONSOLE_SOUND_UPLOAD_BYTES).toBe(10 * 1024 * 1024);
    for (const raw of ['0', '-5', '1e6', '10MB', String(256 * 1024 * 1024 + 1)])
      expect(() => consoleSettings({ CONSOLE_SOUND_UPLOAD_BYTES: raw })).toThrow(
        /CONSOLE_SOUND_UPLOAD_BYTES must be a whole number from 1 to 268435456/,
      );
  });
});

describe('tokens', () => {
  it('an admin creates, lists and revokes tokens; each is audited; the token works once created', async () => {
    const admin = await h.token('root', 'admin');
    const created = await h.call({ method: 'POST', url: '/api/tokens', token: admin, payload: { name: 'alice', role: 'operator' } });
    expect(created.statusCode).toBe(201);
    const { token } = created.json();
    expect(token).toMatch(/^aht_[\w-]{43}$/);
    expect((await h.call({ method: 'GET', url: '/api/session', token })).json()).toEqual(
      expect.objectContaining({ name: 'alice', role: 'operator', door: 'api' }),
    );
    const list = (await h.call({ method: 'GET', url: '/api/tokens', token: admin })).json();
    expect(list.map((t: { name: string }) => t.name)).toEqual(['alice', 'root']);
    expect(JSON.stringify(list)).not.toContain(token);
    expect((await h.call({ method: 'DELETE', url: '/api/tokens/alice', token: admin })).statusCode).toBe(204);
    expect((await h.call({ method: 'GET', url: '/api/session', token })).statusCode).toBe(401);
    expect((await auditNow()).map((e) => [e.action, e.target, e.actor])).toEqual([
      ['token.revoke', 'alice', 'root'],
      ['token.create', 'alice', 'root'],
    ]);
  });

  it('refuses a taken name (409), a bad role or name (400), an unknown token to revoke (404)', async () => {
    const admin = await h.token('root', 'admin');
    const dup = await h.call({ method: 'POST', url: '/api/tokens', token: admin, payload: { name: 'root', role: 'viewer' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toContain('a token named "root" exists');
    const role = await h.call({ method: 'POST', url: '/api/tokens', token: admin, payload: { name: 'x', role: 'god' } });
    expect(role.statusCode).toBe(400);
    const name = await h.call({ method: 'POST', url: '/api/tokens', token: admin, payload: { name: 'a b', role: 'viewer' } });
    expect(name.statusCode).toBe(400);
    expect(name.json().error).toContain('the name must be');
    const past = await h.call({
      method: 'POST',
      url: '/api/tokens',
      token: admin,
      payload: { name: 'old', role: 'viewer', expiresAt: '2001-01-01T00:00:00Z' },
    });
    expect(past.statusCode).toBe(400);
    expect((await h.call({ method: 'DELETE', url: '/api/tokens/nobody', token: admin })).statusCode).toBe(404);
    expect((await h.call({ method: 'GET', url: '/api/tokens', token: admin })).json()).toHaveLength(1);
    expect(await auditNow()).toEqual([]);
  });
});

describe('the page and the OpenAPI document', () => {
  it('serves the page in Polish or English by Accept-Language, with a restrictive CSP', async () => {
    const pl = await h.call({ method: 'GET', url: '/', headers: { 'accept-language': 'pl-PL,pl;q=0.9,en;q=0.8' } });
    expect(pl.statusCode).toBe(200);
    expect(pl.body).toContain('<html lang="pl">');
    expect(pl.headers['content-security-policy']).toContain("default-src 'self'");
    const en = await h.call({ method: 'GET', url: '/', headers: { 'accept-language': 'de,en;q=0.5' } });
    expect(en.body).toContain('<html lang="en">');
    expect((await h.call({ method: 'GET', url: '/console.js' })).headers['content-type']).toContain('text/javascript');
    expect((await h.call({ method: 'GET', url: '/console.css' })).headers['content-type']).toContain('text/css');
  });

  it('publishes OpenAPI 3.1 with every API route, its role and its schemas', async () => {
    const doc = (await h.call({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/numbers', '/api/numbers/{did}', '/api/numbers/{did}/override', '/api/tokens', '/api/session']),
    );
    const put = doc.paths['/api/numbers/{did}/override'].put;
    expect(put.description).toContain('operator');
    expect(put.requestBody.content['application/json'].schema.properties.state).toEqual({ enum: ['open', 'closed'] });
    expect(put.parameters).toEqual([expect.objectContaining({ name: 'did', in: 'path', required: true })]);
    expect(doc.paths['/']).toBeUndefined();
  });

  it('answers /healthz while Redis does', async () => {
    const res = await h.call({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', redis: 'ready' });
  });

  it('answers 503 with AH_ERR_CONSOLE_UNAVAILABLE while Redis cannot be reached', async () => {
    const port = await freeTcpPort();
    const down = new Redis(port, '127.0.0.1', { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => undefined);
    const app = await buildConsole({
      redis: down,
      prefix: h.prefix,
      now: Date.now,
      log: pino({ level: 'silent' }),
      numbers: new NumbersView(down, h.prefix, Date.now),
      audit: consoleAudit(down, h.prefix),
      secureCookie: false,
    });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const api = await fetch(`${url}/api/numbers`, { headers: { authorization: 'Bearer aht_x' } });
      expect(api.status).toBe(503);
      expect(await api.json()).toEqual({ error: 'Redis is not reachable now; try again shortly', code: 'AH_ERR_CONSOLE_UNAVAILABLE' });
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(503);
    } finally {
      await app.close();
      // Ended already (refused, no retry): ioredis's disconnect() on an ended client arms a
      // 2 s timer for a socket that has closed, which kept the worker alive after the file.
      if (down.status !== 'end') down.disconnect();
    }
  });

  it('answers an unknown path with 404 and the error shape', async () => {
    const res = await h.call({ method: 'GET', url: '/api/nothing' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 'AH_ERR_CONSOLE_NOT_FOUND', error: 'no such path: GET /api/nothing' });
  });
});

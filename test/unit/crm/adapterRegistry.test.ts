import { Redis } from 'ioredis';
import { ADAPTERS, createAdapter as create } from '../../../src/crm/adapterRegistry';
import { workerSettings } from '../../../src/settings/processes';
import type { Env } from '../../../src/settings/read';
import { streamKeys } from '../../../src/store/eventStream';
import { silent } from './harness';

// Never connects: building an adapter talks to nobody.
const redis = new Redis({ lazyConnect: true });
// As the worker does: the environment parsed by the declaration, then the registry.
const createAdapter = (env: Env, logger = silent) => create(workerSettings(env), logger, { redis, keys: streamKeys('adapters-test:') });
afterAll(() => redis.disconnect());

describe('createAdapter (the CRM_ADAPTER registry)', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'Bitrix24', 'nope'])(
    'refuses CRM_ADAPTER=%s at start, listing the known adapters',
    (name) => {
      expect(() =>
        createAdapter({ CRM_ADAPTER: name, WEBHOOK_URL: 'https://example.test/hook', WEBHOOK_SECRET: 'x'.repeat(32) }, silent),
      ).toThrow(`CRM_ADAPTER must be one of bitrix24, webhook, none (got "${name}")`);
    },
  );

  it('knows exactly bitrix24, webhook and none (voicemail e-mail only)', () => {
    expect([...ADAPTERS.keys()]).toEqual(['bitrix24', 'webhook', 'none']);
  });

  it('SMTP without a CRM is the none adapter, with the e-mail step; SMTP with a CRM keeps the CRM', () => {
    const smtp = {
      SMTP_HOST: '127.0.0.1',
      SMTP_FROM: 'vm@example.com',
      ARI_URL: 'http://127.0.0.1:8088',
      ARI_USER: 'u',
      ARI_PASSWORD: 'p',
    };
    expect(createAdapter(smtp).name).toBe('none');
    expect(createAdapter({ ...smtp, BITRIX24_WEBHOOK_URL: 'https://portal.example/rest/1/t/' }).name).toBe('bitrix24');
    expect(() => createAdapter({ SMTP_HOST: '127.0.0.1', SMTP_FROM: 'vm@example.com' })).toThrow(/needs ARI_URL/);
    expect(() => createAdapter({ SMTP_HOST: '127.0.0.1' })).toThrow(/SMTP_FROM is not set/);
  });

  it('builds the named adapter; bitrix24 is the default', () => {
    expect(
      createAdapter({ CRM_ADAPTER: 'webhook', WEBHOOK_URL: 'https://example.test/hook', WEBHOOK_SECRET: 'x'.repeat(32) }, silent).name,
    ).toBe('webhook');
    expect(createAdapter({ BITRIX24_WEBHOOK_URL: 'https://p.bitrix24.pl/rest/1/abc/' }, silent).name).toBe('bitrix24');
  });

  it('refuses an http:// BITRIX24_WEBHOOK_URL unless BITRIX24_ALLOW_INSECURE_HTTP=1', () => {
    const url = 'http://127.0.0.1:1/rest/1/TOPSECRET/';
    expect(() => createAdapter({ BITRIX24_WEBHOOK_URL: url }, silent)).toThrow(/must be https:\/\/.*BITRIX24_ALLOW_INSECURE_HTTP=1/);
    expect(() => createAdapter({ BITRIX24_WEBHOOK_URL: url, BITRIX24_ALLOW_INSECURE_HTTP: '0' }, silent)).toThrow(/must be https/);
    expect(createAdapter({ BITRIX24_WEBHOOK_URL: url, BITRIX24_ALLOW_INSECURE_HTTP: '1' }, silent).name).toBe('bitrix24');
  });

  it('a local application instead of the webhook: needs the portal, id and secret; not both kinds at once', () => {
    const app = { BITRIX24_PORTAL_URL: 'https://p.bitrix24.pl', BITRIX24_CLIENT_ID: 'local.1', BITRIX24_CLIENT_SECRET: 's3cret' };
    expect(JSON.stringify(createAdapter(app))).toBe('{"name":"bitrix24","auth":"application"}');
    expect(() => createAdapter({ ...app, BITRIX24_CLIENT_SECRET: '' })).toThrow('BITRIX24_CLIENT_SECRET is not set');
    expect(() => createAdapter({ ...app, BITRIX24_PORTAL_URL: 'http://p.bitrix24.pl' })).toThrow(/BITRIX24_PORTAL_URL must be https/);
    expect(() => createAdapter({ ...app, BITRIX24_WEBHOOK_URL: 'https://p.bitrix24.pl/rest/1/abc/' })).toThrow(
      /either BITRIX24_WEBHOOK_URL .* or BITRIX24_CLIENT_ID/,
    );
    expect(() => createAdapter({})).toThrow(/BITRIX24_WEBHOOK_URL is not set/);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TransientCrmError, type StepJournal } from '../../../src/crm/adapter';
import { crmFetch, retryAfterMs } from '../../../src/crm/crmFetch';
import { WebhookAdapter } from '../../../src/crm/webhook';
import { makeEvent } from './fixtures';

// The one request path of the CRM adapters: timeouts, network failures in words, Retry-After.

describe('retryAfterMs', () => {
  it.each([
    ['120', 120_000],
    ['0', 0],
    [' 5 ', 5_000],
    ['Sun, 29 Nov 2026 12:00:30 GMT', 30_000],
    ['Sun, 29 Nov 2026 11:00:00 GMT', 0], // in the past: go now
    ['-1', undefined],
    ['soon', undefined],
    ['', undefined],
  ])('%j → %j ms', (header, expected) => {
    expect(retryAfterMs(header, Date.parse('2026-11-29T12:00:00Z'))).toBe(expected);
  });
  it('no header', () => expect(retryAfterMs(null)).toBeUndefined());
});

/** A loopback port nothing listens on (just closed). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

describe('crmFetch', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    // Answers too late; a request the client gave up on takes its timer with it (else the
    // timer kept the worker alive for up to 2 s after the file).
    server = createServer((_req, res) => {
      const late = setTimeout(() => res.end('late'), 2000);
      res.on('close', () => clearTimeout(late));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('a refused connection is a retryable error that says so, naming the address it was given', async () => {
    const closed = await closedPort();
    const err = await crmFetch(
      fetch,
      `http://127.0.0.1:${closed}/hook?token=SECRET`,
      {},
      { what: 'webhook', where: `http://127.0.0.1:${closed}/hook`, signal: new AbortController().signal, timeoutMs: 5000 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientCrmError);
    expect((err as Error).message).toBe(`webhook: connection refused to http://127.0.0.1:${closed}/hook (ECONNREFUSED)`);
    expect((err as Error).message).not.toContain('SECRET');
  });

  it('a server that does not answer in time is a retryable error; the caller stopping is its own abort', async () => {
    const timedOut = await crmFetch(
      fetch,
      `http://127.0.0.1:${port}/`,
      {},
      { what: 'bitrix24 x', where: 'the portal', signal: new AbortController().signal, timeoutMs: 100 },
    ).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(TransientCrmError);
    expect((timedOut as Error).message).toMatch(/^bitrix24 x: /);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    const stopped = await crmFetch(
      fetch,
      `http://127.0.0.1:${port}/`,
      {},
      { what: 'bitrix24 x', where: 'the portal', signal: stop.signal, timeoutMs: 5000 },
    ).catch((e: unknown) => e);
    expect(stopped).not.toBeInstanceOf(TransientCrmError);
    expect((stopped as Error).name).toBe('AbortError');
  });

  it("the webhook adapter's refused connection is described in words too (it said only 'network error (ECONNREFUSED)')", async () => {
    const closed = await closedPort();
    const adapter = new WebhookAdapter({ url: `http://127.0.0.1:${closed}/after-hours`, secret: 'a-secret-of-16-chars', retries: 0 });
    const steps = new Map<string, string>();
    const journal: StepJournal = { get: async (k) => steps.get(k), set: async (k, v) => void steps.set(k, v) };
    const err = await adapter.apply(makeEvent(), [], { journal, signal: new AbortController().signal }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`webhook: connection refused to http://127.0.0.1:${closed}/after-hours (ECONNREFUSED)`);
  });
});

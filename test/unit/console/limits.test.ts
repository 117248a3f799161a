// The console bounded in time and tries: a request that stops sending (or drips) is closed, a
// login body is small, failed logins, bearer tokens and ?token= on the calendar feed share one
// per-address limit that parallel guesses cannot overrun, and no token reaches a log line.
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/shared/log';
import { startRedisServer } from '../../support/redisServer';
import { OPEN_DID, startHarness, useConsoleHarness, type Harness, type HarnessExtra } from './harness';

jest.setTimeout(30_000);

const harness = useConsoleHarness(startRedisServer);
let h: Harness;
beforeEach(() => {
  h = harness();
});

/** A logger as the console's (createLogger) whose lines are kept. */
function capturedLog(): { log: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  return { log: createLogger('after-hours-console', { level: 'info', destination }), lines };
}

/** A second console on the same Redis with its own settings, closed after `body`. */
async function withConsole<T>(extra: HarnessExtra, body: (c: Harness) => Promise<T>): Promise<T> {
  const c = await startHarness(h.server, undefined, extra);
  try {
    return await body(c);
  } finally {
    await c.close();
  }
}

/** Resolves 'closed' when the server closes the socket, 'open' if it has not after `guardMs` (far beyond the limit set). */
function closedOrStillOpen(socket: Socket, guardMs: number): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    const guard = setTimeout(() => resolve('open'), guardMs);
    socket.on('close', () => {
      clearTimeout(guard);
      resolve('closed');
    });
    socket.on('error', () => undefined);
  });
}

function startSlowLogin(url: string, declared = 100): Socket {
  const { port } = new URL(url);
  const socket = connect({ host: '127.0.0.1', port: Number(port) });
  socket.write(`POST /api/session HTTP/1.1\r\nHost: console\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n{`);
  return socket;
}

describe('time and size limits', () => {
  it('closes a login whose body stopped after one byte of the declared 100 (idle time-out)', async () => {
    await withConsole({ timeouts: { idleMs: 300 } }, async (c) => {
      const socket = startSlowLogin(c.url);
      try {
        expect(await closedOrStillOpen(socket, 10_000)).toBe('closed');
      } finally {
        socket.destroy();
      }
    });
  });

  it('closes a login whose body drips a byte at a time (whole-request time-out)', async () => {
    await withConsole({ timeouts: { idleMs: 60_000, requestMs: 500 } }, async (c) => {
      // Declared within the login's limit, and more than the drip sends before the guard.
      const socket = startSlowLogin(c.url, 1000);
      const drip = setInterval(() => socket.write(' '), 20);
      try {
        expect(await closedOrStillOpen(socket, 10_000)).toBe('closed');
      } finally {
        clearInterval(drip);
        socket.destroy();
      }
    });
  });

  it('refuses a login body over its own small limit (413) before reading it as JSON', async () => {
    const res = await h.call({ method: 'POST', url: '/api/session', payload: { token: 'x'.repeat(4000) } });
    expect(res.statusCode).toBe(413);
  });
});

describe('failed logins and tokens, one limit per address', () => {
  it('200 parallel wrong logins: no more than 5 are looked at (401), the rest are refused (429)', async () => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => h.call({ method: 'POST', url: '/api/session', payload: { token: `aht_guess${i}` } })),
    );
    const codes = answers.map((a) => a.statusCode);
    expect(codes.filter((c) => c === 401).length).toBeLessThanOrEqual(5);
    expect(codes.filter((c) => c !== 401 && c !== 429)).toEqual([]);
  });

  it('200 parallel wrong bearer tokens: no more than 5 are told "wrong token" (401)', async () => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => h.call({ method: 'GET', url: '/api/numbers', token: `aht_guess${i}` })),
    );
    const codes = answers.map((a) => a.statusCode);
    expect(codes.filter((c) => c === 401).length).toBeLessThanOrEqual(5);
    expect(codes.filter((c) => c !== 401 && c !== 429)).toEqual([]);
  });

  it('a good login gives its try back: five logins and four failures leave the fifth failure to be told 401', async () => {
    const op = await h.token('olga', 'operator');
    for (let i = 0; i < 5; i++)
      expect((await h.call({ method: 'POST', url: '/api/session', payload: { token: op } })).statusCode).toBe(200);
    for (let i = 0; i < 5; i++)
      expect((await h.call({ method: 'POST', url: '/api/session', payload: { token: `aht_guess${i}` } })).statusCode).toBe(401);
    expect((await h.call({ method: 'POST', url: '/api/session', payload: { token: op } })).statusCode).toBe(429);
  });

  it('wrong bearer tokens and feed tokens count with the logins, and each refusal is logged without the token', async () => {
    const { log, lines } = capturedLog();
    await withConsole({ log }, async (c) => {
      const viewer = await c.token('vera', 'viewer');
      const op = await c.token('olga', 'operator');
      const feed = (token: string) => `/numbers/${encodeURIComponent(OPEN_DID)}/hours.ics?token=${token}`;
      expect((await c.call({ method: 'GET', url: feed(viewer) })).statusCode).toBe(200);
      for (let i = 0; i < 3; i++)
        expect((await c.call({ method: 'GET', url: '/api/numbers', token: `aht_bearerguess${i}` })).statusCode).toBe(401);
      for (let i = 0; i < 2; i++) expect((await c.call({ method: 'GET', url: feed(`aht_feedguess${i}`) })).statusCode).toBe(401);
      // Five failures from this address: a login, a bearer token and a feed token are all refused now.
      expect((await c.call({ method: 'POST', url: '/api/session', payload: { token: op } })).statusCode).toBe(429);
      expect((await c.call({ method: 'GET', url: '/api/numbers', token: op })).statusCode).toBe(429);
      expect((await c.call({ method: 'GET', url: feed(viewer) })).statusCode).toBe(429);
      // Another address is not affected.
      expect((await c.call({ method: 'GET', url: '/api/numbers', token: op, remoteAddress: '127.0.0.2' })).statusCode).toBe(200);
    });
    const refusals = lines
      .map((l) => JSON.parse(l) as { msg: string; door?: string; url?: string })
      .filter((l) => l.msg === 'console: a token was refused');
    expect(refusals.map((r) => r.door)).toEqual(['bearer', 'bearer', 'bearer', 'url', 'url']);
    expect(refusals[3]!.url).toContain('token=[redacted]');
    expect(lines.join('\n')).not.toMatch(/aht_/);
  });
});

describe('no token in a log line', () => {
  it('with Redis down, the feed request that failed is logged without its ?token=', async () => {
    const { log, lines } = capturedLog();
    await withConsole({ log }, async (c) => {
      const viewer = await c.token('vera', 'viewer');
      c.redis.disconnect();
      const res = await c.call({ method: 'GET', url: `/numbers/${encodeURIComponent(OPEN_DID)}/hours.ics?weeks=2&token=${viewer}` });
      expect(res.statusCode).toBe(503);
    });
    expect(lines.join('\n')).toContain('console request failed');
    expect(lines.join('\n')).toContain('token=[redacted]');
    expect(lines.join('\n')).not.toMatch(/aht_/);
  });

  it('the logger drops tokens from URLs, request objects and headers wherever they are logged', () => {
    const { log, lines } = capturedLog();
    log.info({ url: '/numbers/1/hours.ics?token=aht_one&weeks=2' }, 'a');
    log.info({ req: { method: 'GET', url: '/x?weeks=1&token=aht_two', headers: { authorization: 'Bearer aht_three' } } }, 'b');
    log.info({ headers: { authorization: 'Bearer aht_four', cookie: 'ah_session=aht_five' } }, 'c');
    log.info({ request: { headers: { cookie: 'ah_session=aht_six' }, query: { token: 'aht_seven' } } }, 'd');
    log.info({ token: 'aht_eight' }, 'e');
    expect(lines).toHaveLength(5);
    expect(lines.join('\n')).not.toMatch(/aht_/);
    expect(JSON.parse(lines[0]!).url).toBe('/numbers/1/hours.ics?token=[redacted]&weeks=2');
  });
});

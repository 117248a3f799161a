// A console on a throwaway Redis, with a mutable clock and a small configuration: one number
// always open, one always closed. Requests are real HTTP on a loopback port (fastify's inject
// loads an ESM-only cookie module that jest cannot).
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { loadConfigText } from '../../../src/config/load';
import { consoleAudit } from '../../../src/console/audit';
import type { ConsoleContext } from '../../../src/console/context';
import { NumbersView } from '../../../src/console/numbersView';
import type { Role } from '../../../src/console/roles';
import { buildConsole } from '../../../src/console/server';
import { createToken } from '../../../src/console/tokens';
import type { RedisServer } from '../../support/redisServer';

export const OPEN_DID = '+48221234567';
export const CLOSED_DID = '+48221234568';

export const CONFIG_YAML = `
defaults:
  region: PL
  timezone: Europe/Warsaw
numbers:
  - did: "+48 22 123 45 67"
    name: Hotline
    hours: "00:00-24:00"
  - did: "+48 22 123 45 68"
    name: Back office
    hours: {}
`;

let prefixes = 0;

export interface CallOptions {
  method: string;
  url: string;
  token?: string;
  headers?: Record<string, string>;
  payload?: unknown;
  /** The source address of the request (any 127.x.y.z). */
  remoteAddress?: string;
}

export interface Reply {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json(): any;
}

export interface Harness {
  app: FastifyInstance;
  server: RedisServer;
  prefix: string;
  redis: ReturnType<RedisServer['client']>;
  clock: { now: number };
  token(name: string, role: Role, expiresAt?: string): Promise<string>;
  url: string;
  call(opts: CallOptions): Promise<Reply>;
  close(): Promise<void>;
}

/** Console settings a test may set. */
export type HarnessExtra = Partial<
  Pick<ConsoleContext, 'trustedProxies' | 'soundUploadBytes' | 'configDir' | 'log' | 'timeouts' | 'versionsKeep'>
>;

export async function startHarness(server: RedisServer, yaml = CONFIG_YAML, extra: HarnessExtra = {}): Promise<Harness> {
  const loaded = loadConfigText('console.yaml', yaml);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const redis = server.client();
  const prefix = `console-test-${process.pid}-${++prefixes}:`;
  const clock = { now: Date.now() };
  const now = () => clock.now;
  const app = await buildConsole({
    redis,
    prefix,
    now,
    log: pino({ level: 'silent' }),
    numbers: new NumbersView(redis, prefix, now, loaded.config),
    audit: consoleAudit(redis, prefix),
    secureCookie: false,
    ...extra,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const call = (o: CallOptions): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const body = o.payload === undefined ? undefined : JSON.stringify(o.payload);
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const req = request({ host: '127.0.0.1', port, method: o.method, path: o.url, headers, localAddress: o.remoteAddress }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  return {
    app,
    server,
    url: `http://127.0.0.1:${port}`,
    prefix,
    redis,
    clock,
    token: async (name, role, expiresAt) => (await createToken(redis, prefix, { name, role, expiresAt }, clock.now)).token,
    call,
    close: () => app.close(),
  };
}

/**
 * Registers the hooks of a console test file: one redis-server for the file (the caller passes
 * startRedisServer, which also puts the file in the unit-io project), a fresh console with its
 * own prefix per test. Returns the current test's harness.
 */
export function useConsoleHarness(startServer: () => Promise<RedisServer>, extra: HarnessExtra = {}): () => Harness {
  let server: RedisServer;
  let h: Harness;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(async () => {
    h = await startHarness(server, CONFIG_YAML, extra);
  });
  afterEach(async () => {
    await h.close();
  });
  return () => h;
}
